using Chat.Host.Auth;
using Chat.Host.Options;
using Chat.Host.Storage;
using Microsoft.Extensions.Options;

namespace Chat.Host.Endpoints;

/// `GET /rooms?after=NAME&limit=L`: rooms that have messages, by name, a page at a time. A protected room is listed
/// only to a token that may read it (a page may then hold fewer than L; `after` still says where the next begins).
public static class RoomList
{
    public sealed record Entry(string Room, long Next);

    public sealed record Listing(IReadOnlyList<Entry> Rooms, string? After);

    public static async Task<IResult> HandleAsync(string? after, string? limit, HttpContext http, IMessageStore store, IOptions<ChatOptions> options, Access access)
    {
        var count = limit is null ? Batch.DefaultLimit : Batch.Parameter("limit", limit, 1, options.Value.MaxBatch).Map(v => (int)v);
        if (count.IsLeft) return Problems.For((Chat.Core.Rejection)count);
        var visible = await access.VisibleAsync(http);
        if (visible.IsLeft) return Problems.For((Chat.Core.Rejection)visible);
        var (n, shown) = ((int)count, (Func<Chat.Core.Values.RoomName, bool>)visible);
        var rooms = await store.RoomsAsync(after ?? "", n);
        var entries = rooms.Where(r => shown(r.Room)).Select(r => new Entry(r.Room.Value, r.Next.Value)).ToList();
        return Responses.Json(new Listing(entries, rooms.Count == n ? rooms.Last.Room.Value : null));
    }
}
