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
/// <paramref name="gone"/> renders an index below the room's first kept one.
public sealed class LongPoll(RoomDirectory rooms, IMessageStore store, Access access, Func<RoomName, Outcome.Messages, Answer> messages,
    Func<RoomName, Reply.Gone, Answer> gone)
{
    public async Task RespondAsync(Either<Rejection, (RoomName Name, Want Want)> asked, HttpContext http)
    {
        if (asked.IsLeft)
        {
            await Problems.For((Rejection)asked).ExecuteAsync(http);
            return;
        }
        var (name, want) = ((RoomName, Want))asked; // Either's own cast: `Case` would box the pair
        var token = access.IsProtected(name) ? Bearer.RawToken(http.Request) : null;
        await Render(await AskAsync(name, want, token, Asker.Of(http), HangUp(http)), name).ExecuteAsync(http);
    }

    /// The poll, on either path (Kestrel's above, or Host/Transport's): a protected room's token checked
    /// (<paramref name="token"/> as the request carried it), then the room found and asked. A poll that waits is
    /// awaited, or left to the <paramref name="holder"/>'s exchange (<see cref="Outcome.Held"/>).
    public async ValueTask<Outcome> AskAsync(RoomName name, Want want, string? token, Asker asker, CancellationToken hangUp,
        IHolder? holder = null)
    {
        if (access.IsProtected(name) && await access.CheckAsync(token, name, Act.Read) is { IsLeft: true } refused)
            return new Outcome.Refused((Rejection)refused);
        var found = await rooms.FindAsync(name);
        if (found.IsLeft) return new Outcome.Refused((Rejection)found);
        var room = (RoomLoop)found;
        return (await ReadOlderAsync(await Poll.AskAsync(room, want, asker, rooms, hangUp, holder), room, store))!;
    }

    /// An outcome whose messages are older than the room keeps in memory, read from the store; or <see cref="Reply.Gone"/>
    /// when retention trimmed them meanwhile (and the room is told, so it answers so from then on). Other outcomes as they are.
    public static ValueTask<Outcome?> ReadOlderAsync(Outcome? outcome, RoomLoop room, IMessageStore store) =>
        outcome is Outcome.Replied { Reply: Reply.FromStore older } ? ReadAsync(older, room, store) : new(outcome); // most polls: no Task

    private static async ValueTask<Outcome?> ReadAsync(Reply.FromStore older, RoomLoop room, IMessageStore store)
    {
        Seq<Message> read;
        MessageIndex first;
        try
        {
            read = await store.ReadAsync(room.Name, older.Want);
            first = read.IsEmpty ? await store.FirstAsync(room.Name) : default;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Redis unreachable, or a slot failing over or moving: 503 and retry, never a 500.
            Observability.Log.StoreReadFailed(room.Logger, e, room.Name.Value);
            return new Outcome.Unavailable("the message could not be read from the store; retry");
        }
        if (!read.IsEmpty) return new Outcome.Messages(older.Want.At, read, WasHeld: false);
        if (older.Want.At >= first) return new Outcome.Unavailable("the message could not be read from the store");
        room.Send(new Command.Trim(first));
        return new Outcome.Replied(new Reply.Gone(older.Want.At, first));
    }

    /// Every way a poll can end but with messages is rendered the same for the seed poll and the batch.
    /// Null: the client hung up, and nobody reads an answer.
    public Answer? Answer(Outcome outcome, RoomName room) => outcome switch
    {
        Outcome.Messages m => messages(room, m),
        Outcome.Replied { Reply: Reply.Ahead a } => Problems.Ahead(a),
        Outcome.Replied { Reply: Reply.Gone g } => gone(room, g),
        Outcome.Expired => Responses.NoContent,
        Outcome.Unavailable u => Problems.Unavailable(u.Why),
        Outcome.Refused r => Problems.For(r.Rejection),
        _ => null, // Gone: the client hung up; Held: its exchange answers
    };

    private IResult Render(Outcome outcome, RoomName room) => Answer(outcome, room) ?? Responses.Nothing;

    /// The client hung up. Over HTTP/1.x, the connection's own token, which Kestrel has anyway (RequestAborted would
    /// make a source of its own for every held poll, and a held poll is alone on its connection). Over HTTP/2 a
    /// request may be cancelled alone: RequestAborted.
    public static CancellationToken HangUp(HttpContext http) =>
        (HttpProtocol.IsHttp11(http.Request.Protocol) || HttpProtocol.IsHttp10(http.Request.Protocol))
        && http.Features.Get<IConnectionLifetimeFeature>() is { } connection ? connection.ConnectionClosed : http.RequestAborted;
}
