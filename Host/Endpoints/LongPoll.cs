using Chat.Core;
using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Auth;
using Chat.Host.Rooms;
using Chat.Host.Storage;
using LanguageExt;
using Microsoft.AspNetCore.Connections.Features;

namespace Chat.Host.Endpoints;

/// A parsed long poll, seed or batch, from there to its response. One step a line: check a protected room's token,
/// find the room, answer now or hold (<see cref="Poll"/>), read what is older than the room keeps, render, write.
/// One per endpoint; <paramref name="messages"/> renders messages as the endpoint shows them.
public sealed class LongPoll(RoomDirectory rooms, IMessageStore store, Access access, Func<RoomName, Outcome.Messages, IResult> messages)
{
    public async Task RespondAsync(Either<Rejection, (RoomName Name, Want Want)> asked, HttpContext http)
    {
        if (asked.IsLeft)
        {
            await Problems.For((Rejection)asked).ExecuteAsync(http);
            return;
        }
        var (name, want) = ((RoomName, Want))asked; // Either's own cast: `Case` would box the pair
        var outcome = await AskAsync(name, want, http);
        if (outcome is Outcome.Replied { Reply: Reply.FromStore older }) outcome = await ReadAsync(name, older.Want);
        await Render(outcome, name).ExecuteAsync(http);
    }

    private async ValueTask<Outcome> AskAsync(RoomName name, Want want, HttpContext http)
    {
        if (access.IsProtected(name) && await access.CheckAsync(http, name, Act.Read) is { IsLeft: true } refused)
            return new Outcome.Refused((Rejection)refused);
        var found = await rooms.FindAsync(name);
        return found.IsLeft ? new Outcome.Refused((Rejection)found)
            : await Poll.AskAsync((RoomLoop)found, want, Asker.Of(http), rooms, HangUp(http));
    }

    private async Task<Outcome> ReadAsync(RoomName room, Want want)
    {
        var read = await store.ReadAsync(room, want);
        return read.IsEmpty ? new Outcome.Unavailable("the message could not be read from the store") : new Outcome.Messages(want.At, read, WasHeld: false);
    }

    /// The messages an outcome gives, read from the store where they are older than the room keeps; none otherwise.
    /// For the endpoints that gather messages rather than render the outcome (event streams, several rooms).
    public static async Task<Seq<Message>> MessagesAsync(Outcome? outcome, RoomName room, IMessageStore store) => outcome switch
    {
        Outcome.Messages m => m.Items,
        Outcome.Replied { Reply: Reply.FromStore f } => await store.ReadAsync(room, f.Want),
        _ => Seq<Message>.Empty,
    };

    /// Every way a poll can end but with messages is rendered the same for the seed poll and the batch.
    private IResult Render(Outcome outcome, RoomName room) => outcome switch
    {
        Outcome.Messages m => messages(room, m),
        Outcome.Replied { Reply: Reply.Ahead a } => Problems.Ahead(a),
        Outcome.Expired => Responses.NoContent,
        Outcome.Unavailable u => Problems.Unavailable(u.Why),
        Outcome.Refused r => Problems.For(r.Rejection),
        _ => Responses.Nothing, // Gone: the client hung up
    };

    /// The client hung up. Over HTTP/1.x, the connection's own token, which Kestrel has anyway (RequestAborted would
    /// make a source of its own for every held poll, and a held poll is alone on its connection). Over HTTP/2 a
    /// request may be cancelled alone: RequestAborted.
    public static CancellationToken HangUp(HttpContext http) =>
        (HttpProtocol.IsHttp11(http.Request.Protocol) || HttpProtocol.IsHttp10(http.Request.Protocol))
        && http.Features.Get<IConnectionLifetimeFeature>() is { } connection ? connection.ConnectionClosed : http.RequestAborted;
}
