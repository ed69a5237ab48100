using System.Globalization;
using Chat.Core;
using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Auth;
using Chat.Host.Options;
using Chat.Host.Rooms;
using Chat.Host.Storage;
using LanguageExt;
using Asks = (Chat.Host.Rooms.RoomLoop Room, Chat.Core.Room.Want Want)[];

namespace Chat.Host.Endpoints;

/// `GET /messages?from=lobby:41,dev:7&limit=L`: several rooms in one long poll, each with its own cursor, answered as
/// soon as any of them has messages: each such room's page, and `next`, the cursor to poll with next. `room` alone
/// starts at the room's end. A browser follows every room it shows through one request, so its tabs and rooms never
/// take more than one of its connections. Each room keeps its own numbering; a protected room is checked by name.
public static class ManyRooms
{
    public sealed record Page(string Next, IReadOnlyList<Batch.Page> Rooms);

    public static async Task HandleAsync(string? from, string? limit, HttpContext http, RoomDirectory rooms, IMessageStore store, Access access,
        ChatOptions options)
    {
        var asked = await FindAsync(from, limit, http, rooms, access, options);
        if (asked.IsLeft)
        {
            await Problems.For((Rejection)asked).ExecuteAsync(http);
            return;
        }
        var (asks, _) = ((Asks, DateTimeOffset?))asked;
        var outcomes = await Poll.AskEachAsync(asks, Asker.Of(http), rooms, LongPoll.HangUp(http));
        await (await RenderAsync(asks, outcomes, store)).ExecuteAsync(http);
    }

    /// The cursor parsed, every room checked and found, each room's want resolved (its end where none was given); and
    /// when the first of the tokens that opened protected rooms stops being taken.
    public static async Task<Either<Rejection, (Asks Asks, DateTimeOffset? Ends)>> FindAsync(string? from, string? limit, HttpContext http,
        RoomDirectory rooms, Access access, ChatOptions options)
    {
        var cursor = Cursor.Parse(from, options.MaxRoomsPerPoll);
        if (cursor.IsLeft) return (Rejection)cursor;
        var most = limit is null ? Batch.DefaultLimit : Batch.Parameter("limit", limit, 1, options.MaxBatch).Map(v => (int)v);
        if (most.IsLeft) return (Rejection)most;
        var asks = new List<(RoomLoop, Want)>();
        DateTimeOffset? ends = null;
        foreach (var (name, at) in (Seq<(RoomName Room, Option<MessageIndex> At)>)cursor)
        {
            if (access.IsProtected(name))
            {
                var allowed = await access.CheckAsync(http, name, Act.Read);
                if (allowed.IsLeft) return InRoom(name, (Rejection)allowed);
                if (access.EndsAt((Grant)allowed) is { } end && (ends is null || end < ends)) ends = end;
            }
            var found = await rooms.FindAsync(name);
            if (found.IsLeft) return (Rejection)found;
            var room = (RoomLoop)found;
            asks.Add((room, new Want(at.IfNone(() => room.State.Visible), (int)most)));
        }
        return ([.. asks], ends);
    }

    /// A token's refusal, saying which room it was for.
    private static Rejection InRoom(RoomName room, Rejection refused) => refused switch
    {
        Rejection.Unauthenticated u => u with { Detail = $"Room '{room}': {u.Detail}" },
        _ => refused,
    };

    /// A page of every room with messages; else the first other ending (past the end: 404 for that room; the poll
    /// timeout: 204); nothing when the client left.
    private static async Task<IResult> RenderAsync(Asks asks, Outcome?[] outcomes, IMessageStore store)
    {
        var got = await MessagesAsync(asks, outcomes, store);
        if (Refused(asks, outcomes) is { } refused) return refused;
        var pages = new List<Batch.Page>();
        for (var i = 0; i < asks.Length; i++)
            if (!got[i].IsEmpty) pages.Add(Batch.ToPage(asks[i].Room.Name, asks[i].Want.At, got[i]));
        if (pages.Count > 0) return Responses.Json(new Page(Next(asks, got), pages));
        return outcomes.FirstOrDefault(o => o is not (null or Outcome.Gone)) switch
        {
            Outcome.Expired => Responses.NoContent,
            Outcome.Refused r => Problems.For(r.Rejection),
            Outcome.Unavailable u => Problems.Unavailable(u.Why),
            Outcome.Replied => Problems.Unavailable("a message could not be read from the store"),
            _ => Responses.Nothing, // the client hung up
        };
    }

    /// The first room whose cursor is past its end (404) or below its first kept index (410), as that problem.
    public static IResult? Refused(Asks asks, Outcome?[] outcomes)
    {
        for (var i = 0; i < asks.Length; i++)
            switch (outcomes[i])
            {
                case Outcome.Replied { Reply: Reply.Ahead a }: return Problems.Ahead(a, asks[i].Room.Name);
                case Outcome.Replied { Reply: Reply.Gone g }: return Problems.Gone(g, asks[i].Room.Name);
            }
        return null;
    }

    /// Each room's new messages (read from the store where they are older than its window), from its want on; a room
    /// trimmed meanwhile has its outcome made <see cref="Reply.Gone"/>.
    public static async Task<Seq<Message>[]> MessagesAsync(Asks asks, Outcome?[] outcomes, IMessageStore store)
    {
        var got = new Seq<Message>[asks.Length];
        for (var i = 0; i < asks.Length; i++)
        {
            outcomes[i] = await LongPoll.ReadOlderAsync(outcomes[i], asks[i].Room, store);
            got[i] = outcomes[i] is Outcome.Messages m ? m.Items : Seq<Message>.Empty;
        }
        return got;
    }

    /// The cursor past what each room gave.
    public static string Next(Asks asks, Seq<Message>[] got) =>
        Cursor.Format(asks.Select((a, i) => (a.Room.Name, a.Want.At.Plus(got[i].Count))));
}

/// Where a client is in each of several rooms: `room:N` (the next index it wants) or `room` (the room's end),
/// comma-separated, each room once.
public static class Cursor
{
    public static Either<Rejection, Seq<(RoomName Room, Option<MessageIndex> At)>> Parse(string? raw, int most)
    {
        if (string.IsNullOrEmpty(raw)) return Bad("'from' names the rooms to follow: room:N (the next index) or room (its end), comma-separated.");
        var parts = raw.Split(',');
        if (parts.Length > most) return Bad($"'from' names {parts.Length} rooms; one poll follows at most {most}.");
        var rooms = new List<(RoomName, Option<MessageIndex>)>();
        var seen = new System.Collections.Generic.HashSet<string>(StringComparer.Ordinal);
        foreach (var part in parts)
        {
            var colon = part.IndexOf(':');
            var name = RoomName.Parse(colon < 0 ? part : part[..colon]);
            if (name.IsLeft) return (Rejection)name;
            if (!seen.Add(((RoomName)name).Value)) return Bad($"'from' names the room '{(RoomName)name}' twice.");
            if (colon < 0)
            {
                rooms.Add(((RoomName)name, Option<MessageIndex>.None));
                continue;
            }
            var at = Batch.Parameter("from", part[(colon + 1)..], 0, long.MaxValue);
            if (at.IsLeft) return Bad($"'{Clip(part)}' is not room:N with N a whole number.");
            rooms.Add(((RoomName)name, new MessageIndex((long)at)));
        }
        return rooms.ToSeq();
    }

    public static string Format(IEnumerable<(RoomName Room, MessageIndex At)> rooms) =>
        string.Join(',', rooms.Select(r => $"{r.Room}:{r.At.Value.ToString(CultureInfo.InvariantCulture)}"));

    private static Rejection Bad(string detail) => new Rejection.BadParameter("from", detail);

    private static string Clip(string raw) => raw.Length <= 80 ? raw : raw[..80] + "…";
}
