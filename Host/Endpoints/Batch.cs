using System.Globalization;
using System.Text.Json.Serialization;
using Chat.Core;
using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Options;
using Chat.Host.Rooms;
using LanguageExt;
using Microsoft.Extensions.Options;

namespace Chat.Host.Endpoints;

/// `GET /rooms/{room}/messages?from=N&limit=L`: every message from N on, up to L, in one answer. When N is the
/// room's next index it long-polls like `/get/N` and answers with whatever arrives first (a group commit may
/// bring several). A client that fell behind catches up in few round trips and loses nothing.
public static class Batch
{
    /// One message as JSON: `author` null when anonymous, `time` (RFC 3339, UTC, milliseconds) null when it was
    /// stored before times were kept. The event stream's `?format=json` sends the same object. `removes` only on a
    /// moderator's removal (the index it removes), `removedBy` only on a removed message (the removal's index).
    public sealed record Item(long Index, string Text, string? Author, string? Time,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Removes = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? RemovedBy = null)
    {
        public static Item Of(long index, Message message) => new(index, message.Text.Value,
            message.Author.MatchUnsafe(a => a.Value, () => null),
            message.Time.MatchUnsafe(t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), () => null),
            message.Removes.MatchUnsafe(i => (long?)i.Value, () => null), message.RemovedBy.MatchUnsafe(i => (long?)i.Value, () => null));
    }

    public sealed record Page(string Room, long From, long Next, IReadOnlyList<Item> Messages);

    public const int DefaultLimit = 100;

    public static Task HandleAsync(string room, string? from, string? limit, HttpContext http, LongPoll poll, IOptions<ChatOptions> options) =>
        poll.RespondAsync(Asked(room, from, limit, options.Value.MaxBatch), http);

    /// The room and what is asked of it, or why not (the room's fault first, then `from`'s, then `limit`'s).
    public static Either<Rejection, (RoomName, Want)> Asked(string? room, string? from, string? limit, int maxBatch)
    {
        var first = from is null ? MessageIndex.Zero : Parameter("from", from, 0, long.MaxValue).Map(v => new MessageIndex(v));
        var most = limit is null ? DefaultLimit : Parameter("limit", limit, 1, maxBatch).Map(v => (int)v);
        return from name in RoomName.Parse(room)
               from start in first
               from count in most
               select (name, new Want(start, count));
    }

    /// The messages as a JSON page; a held poll's page made once for every poll it answers.
    public static Answer Render(RoomName room, Outcome.Messages m) =>
        m.WasHeld ? new Responses.Made(m.Once(room, HeldPage)) : Responses.Json(ToPage(room, m.From, m.Items));

    private static readonly Func<Outcome.Messages, RoomName, Rendered> HeldPage = (m, room) => Responses.Json(200, ToPage(room, m.From, m.Items));

    /// Below the first kept index: 410, saying where the room starts now.
    public static Answer RenderGone(RoomName room, Reply.Gone gone) => Problems.Gone(gone);

    /// A whole number in [min, max], or a 400 that says which parameter and why.
    public static Either<Rejection, long> Parameter(string name, string raw, long min, long max) =>
        long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : new Rejection.BadParameter(name, $"'{name}' must be a whole number from {min} to {max}.");

    public static Page ToPage(RoomName room, MessageIndex from, Seq<Message> messages) =>
        new(room.Value, from.Value, from.Value + messages.Count, messages.Select((m, i) => Item.Of(from.Value + i, m)).ToList());
}
