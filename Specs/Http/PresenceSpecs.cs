using System.Net;
using System.Text.Json;

namespace Chat.Specs.Http;

/// Who is here: `GET /rooms/{room}` counts the clients that follow the room now (a held poll or an open event
/// stream, each client once, and for a grace after its last poll), with the names of those that posted with one.
public sealed class PresenceSpecs
{
    private sealed record HereView(int Count, string[] Names);

    private static async Task<HereView> HereAsync(HttpClient client, string room)
    {
        var here = JsonDocument.Parse(await client.GetStringAsync($"/rooms/{room}")).RootElement.GetProperty("here");
        return new(here.GetProperty("count").GetInt32(), [.. here.GetProperty("names").EnumerateArray().Select(n => n.GetString()!)]);
    }

    private static async Task UntilCountAsync(HttpClient client, string room, int count, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? Wire.Bound);
        while (true)
        {
            var here = await HereAsync(client, room);
            if (here.Count == count) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{room}: {here.Count} here, expected {count}");
            await Task.Delay(25);
        }
    }

    [Fact]
    public async Task Each_client_with_a_poll_or_a_stream_counts_once_and_names_come_from_its_posts()
    {
        await using var server = await ChatServer.StartAsync("--Chat:HereGrace=00:00:00.200");
        using var client = server.Client();
        using var other = server.ClientFrom("127.0.0.3");
        Assert.Equal(0, (await HereAsync(client, "p")).Count);

        using var gone = new CancellationTokenSource();
        var a = client.GetAsync("/rooms/p/get/0?client=tab-a", gone.Token);
        await using var b = await SseReader.OpenAsync(client, "/rooms/p/events?client=tab-b");
        var c1 = other.GetAsync("/rooms/p/get/0", gone.Token); // no id: the address is the client, polling twice
        var c2 = other.GetAsync("/rooms/p/messages?from=0", gone.Token);
        await UntilCountAsync(client, "p", 3);

        var named = new FormUrlEncodedContent([new("message", "hi"), new("name", "Ann")]);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/rooms/p/post?client=tab-a", named)).StatusCode);
        await Task.WhenAll(a, c1, c2); // answered by the post; each client polls again at once, as followers do
        var again = client.GetAsync("/rooms/p/get/1?client=tab-a", gone.Token);
        var c3 = other.GetAsync("/rooms/p/get/1", gone.Token);
        var here = await HereAsync(client, "p");
        Assert.Equal(3, here.Count);
        Assert.Equal(["Ann"], here.Names);

        await gone.CancelAsync();
        await b.DisposeAsync();
        await UntilCountAsync(client, "p", 0);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => again);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => c3);
    }

    /// Between two polls (the answer travelling, the next poll not yet sent) a follower is still here for the grace.
    [Fact]
    public async Task A_follower_between_two_polls_stays_counted_for_the_grace_then_is_gone()
    {
        await using var server = await ChatServer.StartAsync("--Chat:HereGrace=00:00:01.500");
        using var client = server.Client();
        await client.PostAsync("m", "/rooms/g/post");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/rooms/g/get/0?client=reader")).StatusCode); // answered at once
        Assert.Equal(1, (await HereAsync(client, "g")).Count);
        await UntilCountAsync(client, "g", 0, TimeSpan.FromSeconds(5));
    }

    /// Hang-ups and timeouts leave no trace: 300 clients come and go, and the count is back where it was.
    [Fact]
    public async Task Three_hundred_abandoned_polls_and_streams_and_timed_out_polls_leave_the_count_where_it_was()
    {
        await using var server = await ChatServer.StartAsync("--Chat:HereGrace=00:00:00.200", "--Chat:PollTimeout=00:00:01");
        using var client = server.Client();
        using var watcher = new CancellationTokenSource();
        var stays = KeepPollingAsync(server.Client(), "/rooms/h/get/0?client=stays", watcher.Token);
        await UntilCountAsync(client, "h", 1);

        using var followers = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 400 }) { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(30) };
        using var gone = new CancellationTokenSource();
        var polls = Enumerable.Range(0, 150).Select(i => followers.GetAsync($"/rooms/h/get/0?client=poll-{i}", gone.Token)).ToList();
        var streams = await Task.WhenAll(Enumerable.Range(0, 150).Select(i => SseReader.OpenAsync(followers, $"/rooms/h/events?client=stream-{i}")));
        await UntilCountAsync(client, "h", 301);
        await gone.CancelAsync();
        foreach (var stream in streams) await stream.DisposeAsync();
        await UntilCountAsync(client, "h", 1);

        var timingOut = Enumerable.Range(0, 50).Select(i => followers.GetAsync($"/rooms/h/get/0?client=late-{i}")).ToList();
        await UntilCountAsync(client, "h", 51);
        Assert.All(await Task.WhenAll(timingOut), r => Assert.Equal(HttpStatusCode.NoContent, r.StatusCode));
        await UntilCountAsync(client, "h", 1);
        await watcher.CancelAsync();
        await UntilCountAsync(client, "h", 0);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.WhenAll(polls));
        await stays;
    }

    /// A follower that polls again after every answer (204 at the poll timeout here), until told to stop.
    private static async Task KeepPollingAsync(HttpClient client, string path, CancellationToken stop)
    {
        using var _ = client;
        try
        {
            while (true) (await client.GetAsync(path, stop)).Dispose();
        }
        catch (OperationCanceledException) { }
    }

    /// Two nodes over Redis: the count covers both (a client polling both counts once), names posted on one node
    /// show on the other, and clients gone from both are gone from the count.
    [Fact]
    public async Task On_several_nodes_the_count_covers_every_node_and_each_client_once()
    {
        await using var redis = await RedisServer.StartAsync();
        using var folder = new TempFolder("chat-here-");
        string[] settings = [$"--Redis:Configuration={redis.Configuration}", "--Chat:HereGrace=00:00:00.200"];
        await using var a = await ChildHost.StartAsync(folder.File("a.db"), settings);
        await using var b = await ChildHost.StartAsync(folder.File("b.db"), settings);
        using var onA = a.Client();
        using var onB = b.Client();
        using var gone = new CancellationTokenSource();
        var polls = new[]
        {
            onA.GetAsync("/rooms/n/get/0?client=only-a", gone.Token),
            onB.GetAsync("/rooms/n/get/0?client=only-b", gone.Token),
            onA.GetAsync("/rooms/n/get/0?client=both", gone.Token),
            onB.GetAsync("/rooms/n/get/0?client=both", gone.Token),
        };
        await UntilCountAsync(onA, "n", 3);
        await UntilCountAsync(onB, "n", 3);

        var named = new FormUrlEncodedContent([new("message", "hello"), new("name", "Bea")]);
        Assert.Equal(HttpStatusCode.Created, (await onA.PostAsync("/rooms/n/post?client=only-b", named)).StatusCode);
        await Task.WhenAll(polls);
        var again = new[] { onB.GetAsync("/rooms/n/get/1?client=only-b", gone.Token), onA.GetAsync("/rooms/n/get/1?client=both", gone.Token) };
        var deadline = DateTime.UtcNow + Wire.Bound;
        while ((await HereAsync(onB, "n")).Names is not ["Bea"] && DateTime.UtcNow < deadline) await Task.Delay(25);
        Assert.Equal(["Bea"], (await HereAsync(onB, "n")).Names);

        await gone.CancelAsync();
        await UntilCountAsync(onA, "n", 0);
        await UntilCountAsync(onB, "n", 0);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.WhenAll(again));
    }
}
