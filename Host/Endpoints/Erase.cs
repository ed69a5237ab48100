using Chat.Core;
using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Auth;
using Chat.Host.Rooms;
using Chat.Host.Storage;
using LanguageExt;

namespace Chat.Host.Endpoints;

/// `DELETE /authors/{name}/messages?rooms=PATTERN`: a moderator erases every message one author wrote, in every room
/// the pattern names and the token may moderate; each is a removal as <see cref="Remove"/> makes it.
public static class Erase
{
    public sealed record RoomErased(string Room, IReadOnlyList<long> Indexes);

    public sealed record Erased(string Author, int Removed, IReadOnlyList<RoomErased> Rooms);

    private const int RoomPage = 500;

    public static async Task<IResult> HandleAsync(string author, string? rooms, HttpContext http, RoomDirectory directory, IMessageStore store,
        TimeProvider clock, Access access)
    {
        var name = AuthorName.Parse(author);
        if (name.IsLeft || ((Option<AuthorName>)name).IsNone) return Problems.For(name.IsLeft ? (Rejection)name : new Rejection.BadName("The author's name is empty."));
        if (rooms is null || !RoomPattern.IsValid(rooms))
            return Problems.For(new Rejection.BadParameter("rooms", "'rooms' is a room pattern: room-name characters and * (`*` for every room)."));
        var who = (AuthorName)(Option<AuthorName>)name;
        var moderator = await access.ModeratorAsync(http);
        if (moderator.IsLeft) return Problems.For((Rejection)moderator);
        var grant = (Grant)moderator;
        var found = new List<RoomErased>();
        var after = "";
        while (true)
        {
            var page = await store.RoomsAsync(after, RoomPage);
            // A room the token may not moderate is left as it is.
            foreach (var (room, _) in page.Where(r => RoomPattern.Matches(rooms, r.Room) && grant.Allows(Act.Moderate, r.Room)))
            {
                var erased = await EraseAsync(room, who, grant.Name, directory, store, clock);
                if (erased is null) return Problems.Unavailable($"Room '{room}' could not be erased; retry (what is erased stays erased).");
                if (erased.Indexes.Count > 0) found.Add(erased);
            }
            if (page.Count < RoomPage) break;
            after = page.Last().Room.Value;
        }
        return Responses.Json(new Erased(who.Value, found.Sum(r => r.Indexes.Count), found));
    }

    /// Every message of the author in one room, removed together (they share the store's transactions).
    private static async Task<RoomErased?> EraseAsync(RoomName name, AuthorName author, string? moderator, RoomDirectory directory, IMessageStore store, TimeProvider clock)
    {
        var found = await directory.FindAsync(name);
        if (found.IsLeft) return null;
        var room = (RoomLoop)found;
        var indexes = await store.ByAuthorAsync(name, author);
        var outcomes = await Task.WhenAll(indexes.Select(i => Remove.RemoveAsync(room, i, moderator, directory, store, clock)));
        if (outcomes.Any(o => o is not Outcome.Replied { Reply: Reply.Posted or Reply.Gone })) return null;
        return new RoomErased(name.Value, [.. indexes.Zip(outcomes).Where(x => x.Item2 is Outcome.Replied { Reply: Reply.Posted }).Select(x => x.Item1.Value)]);
    }
}
