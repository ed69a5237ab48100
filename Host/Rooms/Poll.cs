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
        return Exchange.AnswersItself(asked) ? asked : RespondWhenAskedAsync(asked, room.Name, http, responder);
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
    /// the caller's, or none (<paramref name="responder"/>, see <see cref="RespondAsync"/>).
    public static Task<Outcome> AskAsync(RoomLoop room, Want want, HttpContext http, RoomDirectory rooms, CancellationToken aborted,
        bool counted = false, IResponder? responder = null)
    {
        if (room.IsUnloaded) return AskItsNextLoopAsync(room.Name, want, http, rooms, aborted, counted, responder);
        var exchange = responder is null ? Exchange.ForPoll(room, want) : Exchange.Answering(room, want, http, responder);
        var now = Room.Decide(room.State, new Command.Subscribe(exchange.Waiter));
        if (now is [Effect.Answer { Reply: Reply.Messages m }]) return Task.FromResult<Outcome>(new Outcome.Messages(m.From, m.Texts, WasHeld: false));
        if (now is [Effect.Load l]) return Task.FromResult<Outcome>(new Outcome.FromStore(l.Want));
        // Past the end here may not be past the end of a shared log: read it, then ask again through the loop.
        if (now is [Effect.Answer { Reply: Reply.Ahead }] && room.State.SharedLog) return CaughtUpAsync(exchange, room, http, rooms, aborted, counted);
        if (now is [Effect.Answer a]) return Task.FromResult<Outcome>(new Outcome.Replied(a.Reply));
        return Hold(exchange, http, rooms, aborted, counted);
    }

    /// The room was unloaded since this request (an event stream, for one) found it: its state stopped there.
    private static async Task<Outcome> AskItsNextLoopAsync(RoomName name, Want want, HttpContext http, RoomDirectory rooms, CancellationToken aborted,
        bool counted, IResponder? responder)
    {
        var found = await rooms.FindAsync(name).ConfigureAwait(false);
        if (found.Case is Rejection rejection) return new Outcome.Refused(rejection);
        return await AskAsync((RoomLoop)found.Case!, want, http, rooms, aborted, counted, responder).ConfigureAwait(false);
    }

    private static async Task<Outcome> CaughtUpAsync(Exchange exchange, RoomLoop room, HttpContext http, RoomDirectory rooms, CancellationToken aborted, bool counted)
    {
        await rooms.CatchUpAsync(room).ConfigureAwait(false);
        return await Hold(exchange, http, rooms, aborted, counted).ConfigureAwait(false);
    }

    private static Task<Outcome> Hold(Exchange exchange, HttpContext http, RoomDirectory rooms, CancellationToken aborted, bool counted)
    {
        if (rooms.Stopping) return Task.FromResult(Outcome.ExpiredOnce);
        WaiterQuota.Lease? lease = null;
        if (!counted && rooms.Quota.TryTake(http.Connection.RemoteIpAddress, out lease) is { } refused) return Task.FromResult<Outcome>(new Outcome.Refused(refused));
        return exchange.Hold(lease, aborted);
    }
}
