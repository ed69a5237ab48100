using Chat.Core.Room;
using Chat.Core.Values;

namespace Chat.Host.Rooms;

/// Asking a room for messages, the long-poll way: shared by the seed poll and the batch poll.
public static class Poll
{
    /// The core decides every answer. A read of what is already stored changes no state, so it is decided on
    /// the latest immutable snapshot right here; only a poll that must wait goes through the room's loop.
    public static async Task<Outcome> AskAsync(RoomLoop room, Want want, CancellationToken aborted, bool stopping)
    {
        var exchange = Exchange.ForPoll(want);
        var now = Room.Decide(room.State, new Command.Subscribe(exchange.Waiter));
        if (now is [Effect.Answer { Reply: Reply.Messages m }]) return new Outcome.Messages(m.From, m.Texts, WasHeld: false);
        if (now is [Effect.Load l]) return new Outcome.FromStore(l.Want);
        if (now is [Effect.Answer a]) return new Outcome.Replied(a.Reply);
        if (stopping) return Outcome.ExpiredOnce;

        room.Send(new Command.Subscribe(exchange.Waiter), exchange);
        // Seed: `async_on_peer_reset`. A client that hangs up is forgotten at once, not at its timeout.
        using var watch = aborted.Register(static state =>
        {
            var (loop, waiter) = ((RoomLoop, Waiter))state!;
            loop.Send(new Command.Reset(waiter));
        }, (room, exchange.Waiter));
        return await exchange.Task.ConfigureAwait(false);
    }
}
