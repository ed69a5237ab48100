using Chat.Core;
using Chat.Core.Room;
using Chat.Core.Values;
using Microsoft.AspNetCore.Connections.Features;

namespace Chat.Host.Rooms;

/// Asking a room for messages, the long-poll way: shared by the seed poll, the batch poll and the event stream.
public static class Poll
{
    /// The client hung up. Over HTTP/1.x, the connection's own token, which Kestrel has for every connection
    /// anyway: the request's RequestAborted would make a token source of its own for each held poll, and a held
    /// poll is the only request on its connection, so the two fire alike for it. Over HTTP/2 several requests
    /// share a connection and one may be cancelled alone: there, RequestAborted.
    public static CancellationToken HangUp(HttpContext http) =>
        (HttpProtocol.IsHttp11(http.Request.Protocol) || HttpProtocol.IsHttp10(http.Request.Protocol))
        && http.Features.Get<IConnectionLifetimeFeature>() is { } connection ? connection.ConnectionClosed : http.RequestAborted;

    /// Asks and answers with <paramref name="responder"/>: at once when the answer is known now, else when the
    /// outcome comes, by the held exchange itself (<see cref="Exchange.Answering"/>), which is then all a held
    /// poll keeps alive. The task ends when the response is written.
    public static Task RespondAsync(RoomLoop room, Want want, HttpContext http, RoomDirectory rooms, IResponder responder)
    {
        var asked = AskAsync(room, want, http, rooms, HangUp(http), responder: responder);
        if (asked.IsCompletedSuccessfully) return asked.Result is Outcome.Answered ? Task.CompletedTask : responder.RespondAsync(http, room.Name, asked.Result);
        var task = asked.AsTask(); // the held exchange's own task: no allocation
        return Exchange.AnswersItself(task) ? task : RespondWhenAskedAsync(task, room.Name, http, responder);
    }

    /// The slow ways (a catch-up read of the shared log, a room loaded again) end in an outcome or in an answer.
    private static async Task RespondWhenAskedAsync(Task<Outcome> asked, RoomName room, HttpContext http, IResponder responder)
    {
        var outcome = await asked.ConfigureAwait(false);
        if (outcome is not Outcome.Answered) await responder.RespondAsync(http, room, outcome).ConfigureAwait(false);
    }

    /// The core decides every answer. A read of what is already stored changes no state, so it is decided on
    /// the latest immutable snapshot right here; only a poll that must wait goes through the room's loop, and
    /// only such a poll counts against the held-poll quota (on a node of several, so does a poll past this
    /// node's end, after reading the shared log). <paramref name="counted"/>: the caller already holds a lease
    /// for this client (an event stream takes one for its whole life). Not async: a held poll's only frame is
    /// the caller's, or none (<paramref name="responder"/>, see <see cref="RespondAsync"/>). Most polls of a busy room
    /// are answered at once (a follower asks for a message posted while its last answer travelled): those allocate
    /// no exchange and no task, and a message read is its room's one outcome for that message
    /// (<see cref="RoomLoop.Read"/>), its bytes encoded once for every follower that reads it.
    public static ValueTask<Outcome> AskAsync(RoomLoop room, Want want, HttpContext http, RoomDirectory rooms, CancellationToken aborted,
        bool counted = false, IResponder? responder = null)
    {
        if (room.IsUnloaded) return new(AskItsNextLoopAsync(room.Name, want, http, rooms, aborted, counted, responder));
        // Decided with an id that is never held: an exchange (and its id) is made only for a poll that waits.
        switch (Room.Decide(room.State, new Command.Subscribe(new Waiter(WaiterId.Unheld, want))))
        {
            case [Effect.Answer { Reply: Reply.Messages m }]: Seen(room, http, counted); return new(room.Read(m.From, m.Items));
            case [Effect.Load l]: Seen(room, http, counted); return new(new Outcome.FromStore(l.Want));
            // Past the end here may not be past the end of a shared log: read it, then ask again through the loop.
            case [Effect.Answer { Reply: Reply.Ahead }] when room.State.SharedLog: return new(CaughtUpAsync(Exchange(), room, http, rooms, aborted, counted));
            case [Effect.Answer a]: return new(new Outcome.Replied(a.Reply));
            default: return Hold(Exchange(), room, http, rooms, aborted, counted);
        }

        Exchange Exchange() => responder is null ? Rooms.Exchange.ForPoll(room, want) : Rooms.Exchange.Answering(room, want, http, responder);
    }

    /// The room was unloaded since this request (an event stream, for one) found it: its state stopped there.
    private static async Task<Outcome> AskItsNextLoopAsync(RoomName name, Want want, HttpContext http, RoomDirectory rooms, CancellationToken aborted,
        bool counted, IResponder? responder)
    {
        var found = await rooms.FindAsync(name).ConfigureAwait(false);
        if (found.IsLeft) return new Outcome.Refused((Rejection)found);
        return await AskAsync((RoomLoop)found, want, http, rooms, aborted, counted, responder).ConfigureAwait(false);
    }

    private static async Task<Outcome> CaughtUpAsync(Exchange exchange, RoomLoop room, HttpContext http, RoomDirectory rooms, CancellationToken aborted, bool counted)
    {
        await rooms.CatchUpAsync(room).ConfigureAwait(false);
        return await Hold(exchange, room, http, rooms, aborted, counted).ConfigureAwait(false);
    }

    /// <paramref name="counted"/>: an event stream's poll, whose stream is here (and holds the lease) for its whole life.
    private static ValueTask<Outcome> Hold(Exchange exchange, RoomLoop room, HttpContext http, RoomDirectory rooms, CancellationToken aborted, bool counted)
    {
        if (rooms.Stopping) return new(Outcome.ExpiredOnce);
        WaiterQuota.Lease? lease = null;
        if (!counted && rooms.Quota.TryTake(http.Connection.RemoteIpAddress, out lease) is { } refused) return new(new Outcome.Refused(refused));
        return new(exchange.Hold(lease, aborted, counted ? null : room.Presence.Enter(ClientKey.Of(http))));
    }

    /// A poll answered at once still says its client follows the room.
    private static void Seen(RoomLoop room, HttpContext http, bool counted)
    {
        if (!counted) room.Presence.Seen(ClientKey.Of(http));
    }
}
