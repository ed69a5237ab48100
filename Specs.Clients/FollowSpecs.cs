using System.Diagnostics;
using System.Threading.Channels;
using Chat.Client;
using Chat.Specs.Http.Support;
using Xunit.Abstractions;

namespace Chat.Specs.Clients;

/// `ChatClient.FollowAsync` against the real Host: every message once and in order through a crash, and nothing
/// left behind on the server when the follower stops.
public sealed class FollowSpecs(ITestOutputHelper output) : IDisposable
{
    private const int Total = 40;
    private readonly TempFolder _folder = new("chat-client-follow-");

    public void Dispose() => _folder.Dispose();

    /// A poster posts 40 messages one after another while a follower follows from 0; after the 15th is
    /// acknowledged the host is killed (-9) and started again on the same port and SQLite file. The follower
    /// sees the 40 texts exactly as posted, at 0..39; the poster's retries across the crash stored each once.
    [Fact]
    public async Task Following_through_a_kill_9_and_a_restart_sees_every_message_once_in_order()
    {
        var settings = new[] { $"--urls=http://127.0.0.1:{FreePort.Take()}" };
        var db = _folder.File("chat.db");
        var host = await ChildHost.StartAsync(db, settings);
        try
        {
            var patient = new ChatClientOptions { MaxRetries = 20, MaxRetryDelay = TimeSpan.FromSeconds(1) }; // outlasts the restart
            using var poster = new ChatClient(patient, host.Address);
            var followerRetries = new List<ChatRetry>();
            using var follower = new ChatClient(new ChatClientOptions { OnRetry = followerRetries.Add }, host.Address);
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            var arrivals = Channel.CreateUnbounded<(ChatMessage Message, long At)>();
            var clock = Stopwatch.StartNew();
            var following = Task.Run(async () =>
            {
                try
                {
                    await foreach (var message in follower.FollowAsync("crash", 0, bound.Token))
                    {
                        await arrivals.Writer.WriteAsync((message, clock.ElapsedMilliseconds));
                        if (message.Index == Total - 1) break;
                    }
                    arrivals.Writer.Complete();
                }
                catch (Exception e)
                {
                    arrivals.Writer.Complete(e); // the follow gave up: the reader below fails with its reason
                }
            });

            var acknowledged = 0;
            var posting = Task.Run(async () =>
            {
                for (var i = 0; i < Total; i++)
                {
                    await poster.PostAsync("crash", $"message {i}", bound.Token);
                    Interlocked.Increment(ref acknowledged);
                    await Task.Delay(20, bound.Token);
                }
            });
            while (Volatile.Read(ref acknowledged) < 15) await Task.Delay(5, bound.Token);
            await host.KillAsync();
            var killedAt = clock.ElapsedMilliseconds;
            await host.DisposeAsync();
            host = await ChildHost.StartAsync(db, settings);
            var upAt = clock.ElapsedMilliseconds;

            await posting.WaitAsync(bound.Token);
            var seen = new List<(ChatMessage Message, long At)>();
            await foreach (var arrival in arrivals.Reader.ReadAllAsync(bound.Token)) seen.Add(arrival);
            await following.WaitAsync(bound.Token);

            Assert.Equal(Enumerable.Range(0, Total).Select(i => $"message {i}"), seen.Select(s => s.Message.Text));
            Assert.Equal(Enumerable.Range(0, Total).Select(i => (long)i), seen.Select(s => s.Message.Index));
            var firstAfter = seen.First(s => s.At > upAt).At;
            output.WriteLine($"killed at {killedAt} ms, answering again at {upAt} ms (down {upAt - killedAt} ms); " +
                             $"the follower's next message {firstAfter - upAt} ms after that; longest wait between two messages " +
                             $"{seen.Zip(seen.Skip(1), (a, b) => b.At - a.At).Max()} ms; the follower's retries waited " +
                             string.Join(", ", followerRetries.Select(r => $"{r.Delay.TotalMilliseconds:0} ms")));
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    /// Cancelling the follow while its poll is held ends the enumeration at once and hangs the poll up: the
    /// room's held count drops to zero long before the poll would have timed out (a minute here).
    [Fact]
    public async Task Cancelling_a_follow_ends_it_at_once_and_leaves_no_held_poll()
    {
        await using var host = await ChildHost.StartAsync(_folder.File("cancel.db"), "--Chat:PollTimeout=00:01:00");
        using var http = host.Client();
        using var chat = new ChatClient(host.Address);
        using var stop = new CancellationTokenSource();
        var following = Task.Run(async () => { await foreach (var _ in chat.FollowAsync("cancel", 0, stop.Token)) { } });
        await http.UntilHeldAsync(1, "cancel");

        var clock = Stopwatch.StartNew();
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => following.WaitAsync(Wire.Bound));
        var ended = clock.Elapsed;
        await http.UntilHeldAsync(0, "cancel");

        output.WriteLine($"ended {ended.TotalMilliseconds:0} ms after the cancel, no poll held {clock.ElapsedMilliseconds} ms after it");
        Assert.True(ended < TimeSpan.FromSeconds(1), $"the follow ended {ended} after the cancel");
    }

    /// Several rooms through one request: each room's messages in order and once, and one held poll in each room.
    [Fact]
    public async Task Following_several_rooms_yields_each_room_s_messages_in_order_through_one_poll()
    {
        await using var host = await ChildHost.StartAsync(_folder.File("many.db"));
        using var http = host.Client();
        using var chat = new ChatClient(host.Address);
        using var stop = new CancellationTokenSource(Wire.Bound);
        await chat.PostAsync("red", "r0", stop.Token);
        var got = new List<string>();
        var following = Task.Run(async () =>
        {
            await foreach (var m in chat.FollowAsync(new Dictionary<string, long> { ["red"] = 0, ["blue"] = 0 }, stop.Token))
                lock (got) if (got.Count < 4) got.Add($"{m.Room}:{m.Message.Index}:{m.Message.Text}"); else return;
        });
        await http.UntilHeldAsync(1, "blue");
        await http.UntilHeldAsync(1, "red");

        await chat.PostAsync("blue", "b0", stop.Token);
        await chat.PostAsync("red", "r1", stop.Token);
        await chat.PostAsync("blue", "b1", stop.Token);
        while (true)
        {
            lock (got) if (got.Count == 4) break;
            await Task.Delay(20, stop.Token);
        }

        Assert.Equal(["red:0:r0", "red:1:r1"], got.Where(g => g.StartsWith("red", StringComparison.Ordinal)));
        Assert.Equal(["blue:0:b0", "blue:1:b1"], got.Where(g => g.StartsWith("blue", StringComparison.Ordinal)));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => following);
    }

    /// Each client names itself (`client=`), so two clients on one address are two people here, and one client
    /// following with two loops is one.
    [Fact]
    public async Task Two_clients_following_count_as_two_here_and_one_client_following_twice_as_one()
    {
        await using var host = await ChildHost.StartAsync(_folder.File("here.db"));
        using var http = host.Client();
        using var ann = new ChatClient(host.Address);
        using var bob = new ChatClient(host.Address);
        using var stop = new CancellationTokenSource(Wire.Bound);
        Task Follow(ChatClient chat) => Task.Run(async () => { await foreach (var _ in chat.FollowAsync("here", 0, stop.Token)) { } });

        var follows = new List<Task> { Follow(ann), Follow(ann) };
        await http.UntilHeldAsync(2, "here");
        Assert.Equal(1, (await ann.StatusAsync("here", stop.Token)).Here.Count);
        follows.Add(Follow(bob));
        await http.UntilHeldAsync(3, "here");
        Assert.Equal(2, (await ann.StatusAsync("here", stop.Token)).Here.Count);

        await stop.CancelAsync();
        foreach (var follow in follows) await Assert.ThrowsAnyAsync<OperationCanceledException>(() => follow);
    }
}
