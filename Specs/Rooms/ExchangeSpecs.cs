using System.Runtime.CompilerServices;
using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Rooms;
using Chat.Specs.Http;
using LanguageExt;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Specs.Rooms;

/// A held poll's exchange, on a real room's loop (the server's own), without HTTP in between.
public sealed class ExchangeSpecs
{
    /// Over HTTP/1.x a held poll watches its connection's closed token, which outlives the request. A follower polls
    /// once per message on one keep-alive connection: an exchange must not stay registered on that token once
    /// answered, or the connection keeps every exchange it ever held alive (and resets each when it closes).
    [Fact]
    public async Task An_answered_poll_leaves_nothing_registered_on_its_connection()
    {
        await using var server = await ChatServer.StartAsync();
        var room = (await server.Services.GetRequiredService<RoomDirectory>().FindAsync(RoomName.Parse("exchange").RightToSeq().Head)).RightToSeq().Head;
        using var connection = new CancellationTokenSource();

        var first = await HoldAndAnswerAsync(room, connection.Token);
        await HoldAndAnswerAsync(room, connection.Token); // the room's loop has moved past the first one

        // A room's loop now runs on the thread of the command that found it idle (here the spec's own): what that
        // thread's last frames held can stay reachable a moment, so the spec collects until 1 s has passed.
        for (var tries = 0; tries < 20 && first.IsAlive; tries++)
        {
            await Task.Delay(50);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }
        Assert.False(first.IsAlive, "the first exchange is still reachable (from the connection's token)");
        GC.KeepAlive(connection);
    }

    /// A busy room's followers mostly read the message just posted: every poll that reads the same messages gets
    /// the room's one outcome for them (bytes and ETag made once), and a read of any other messages never does.
    [Fact]
    public async Task Polls_that_read_the_same_messages_share_one_outcome_and_no_other_read_gets_it()
    {
        await using var server = await ChatServer.StartAsync();
        var rooms = server.Services.GetRequiredService<RoomDirectory>();
        var room = (await rooms.FindAsync(RoomName.Parse("reads").RightToSeq().Head)).RightToSeq().Head;
        foreach (var text in new[] { "a", "b", "c" })
        {
            var post = Exchange.ForPost();
            room.Send(new Command.Post(Message.Of((MessageText)MessageText.Parse(text, 1000).RightToSeq().Head), post.Id, Option<IdempotencyKey>.None), post);
            await post.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        async Task<Outcome.Messages> Read(long at, int count) =>
            Assert.IsType<Outcome.Messages>(await Poll.AskAsync(room, new Want(new MessageIndex(at), count), Reader, rooms, CancellationToken.None));
        string[] Texts(Outcome.Messages m) => m.Items.Select(t => t.Text.Value).ToArray();

        var first = await Read(0, 1);
        Assert.Same(first, await Read(0, 1));
        Assert.Equal(["a"], Texts(first));
        Assert.Equal(["a", "b", "c"], Texts(await Read(0, 3)));
        Assert.Equal(["a"], Texts(await Read(0, 1)));
        Assert.Equal(["b"], Texts(await Read(1, 1)));
        Assert.Equal(["b", "c"], Texts(await Read(1, 3)));
        Assert.Equal(["b"], Texts(await Read(1, 1)));
    }

    /// A fan-out answers its polls in the order they were held, oldest first (as nchan and the C floor do): the
    /// longest wait ends first, and neighbouring sends touch sockets made together. The core's set of waiters is a
    /// hash set, whose order is not the order they came in.
    [Fact]
    public async Task A_fan_out_answers_its_polls_oldest_first()
    {
        await using var server = await ChatServer.StartAsync();
        var room = (await server.Services.GetRequiredService<RoomDirectory>().FindAsync(RoomName.Parse("order").RightToSeq().Head)).RightToSeq().Head;
        var answered = new List<long>();
        var polls = Enumerable.Range(0, 300).Select(_ => new Recorded(room, Want.One(room.State.Next), answered)).ToList();
        foreach (var poll in polls) room.Send(new Command.Subscribe(poll.Waiter), poll);

        var post = Exchange.ForPost();
        room.Send(new Command.Post(Message.Of((MessageText)MessageText.Parse("m", 1000).RightToSeq().Head), post.Id, Option<IdempotencyKey>.None), post);
        await post.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the poster is answered before the fan-out
        await Wire.UntilAsync(() => { lock (answered) return Task.FromResult(answered.Count); }, count => count == polls.Count,
            count => $"{count} of {polls.Count} polls answered");

        lock (answered) Assert.Equal(polls.Select(p => p.Id.Value), answered);
    }

    /// A held poll that notes when it is answered.
    private sealed class Recorded(RoomLoop room, Want want, List<long> answered) : Exchange(room, want)
    {
        public override void Complete(Outcome outcome)
        {
            lock (answered) answered.Add(Id.Value);
        }
    }

    private static readonly Asker Reader = new(new ClientKey("reader", null), null);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> HoldAndAnswerAsync(RoomLoop room, CancellationToken connection)
    {
        var poll = Exchange.ForPoll(room, Want.One(room.State.Next));
        var held = Poll.HoldAsync(room, poll, seat: null, connection).AsTask();
        var post = Exchange.ForPost();
        room.Send(new Command.Post(Message.Of((MessageText)MessageText.Parse("m", 1000).RightToSeq().Head), post.Id, Option<IdempotencyKey>.None), post);
        Assert.IsType<Outcome.Messages>(await held.WaitAsync(TimeSpan.FromSeconds(10)));
        await post.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return new WeakReference(poll);
    }
}
