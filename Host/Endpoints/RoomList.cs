using Chat.Host.Options;
using Chat.Host.Storage;
using Microsoft.Extensions.Options;

namespace Chat.Host.Endpoints;

/// `GET /rooms?after=NAME&limit=L`: rooms that have messages, by name, a page at a time.
public static class RoomList
{
    public sealed record Entry(string Room, long Next);

    public sealed record Listing(IReadOnlyList<Entry> Rooms, string? After);

    public static async Task<IResult> HandleAsync(string? after, string? limit, IMessageStore store, IOptions<ChatOptions> options)
    {
        var count = limit is null ? Batch.DefaultLimit : Batch.Parameter("limit", limit, 1, options.Value.MaxBatch).Map(v => (int)v);
        return await count.MatchAsync(
            RightAsync: async n =>
            {
                var rooms = await store.RoomsAsync(after ?? "", n);
                var entries = rooms.Select(r => new Entry(r.Room.Value, r.Next.Value)).ToList();
                return Replies.Json(new Listing(entries, entries.Count == n ? entries[^1].Room : null));
            },
            Left: Problems.For);
    }
}
