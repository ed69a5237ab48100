using Chat.Core.Room;
using Chat.Core.Values;
using LanguageExt;

namespace Chat.Host.Storage;

/// One message to make durable. A removal (<see cref="Message.Removes"/>) also erases its target, in the same write.
public sealed record Append(RoomName Room, MessageIndex At, Message Message, Option<IdempotencyKey> Key);

/// Retention for a room: keep the last <see cref="Last"/> messages and/or those younger than <see cref="For"/>.
public sealed record Keep(int? Last, TimeSpan? For);

/// The store port: one engine per process (SQLite file, memory, or Redis). Writes come in batches from the
/// <see cref="StoreWriter"/>, one at a time; reads come from any thread and never block it: a request thread may
/// be a socket thread (inline scheduling), and a thread-pool thread blocked on a network store starves the very
/// completions it waits for.
public interface IMessageStore : IDisposable
{
    /// A room as stored: its count, its most recent messages (oldest first) and its latest idempotency keys.
    Task<RoomState> RestoreAsync(RoomName room, RoomLimits limits);

    /// Writes every append in one transaction, all or nothing. Appends to one room come in index order. When it
    /// returns, what a removal erased is in no file of the store.
    void Write(IReadOnlyList<Append> batch);

    /// Up to <paramref name="limit"/> messages from <paramref name="from"/> on; none when <paramref name="from"/> is below
    /// the first index the room keeps.
    Task<Seq<Message>> ReadAsync(RoomName room, MessageIndex from, int limit);

    /// The first index the room keeps: 0 until retention trims it.
    Task<MessageIndex> FirstAsync(RoomName room);

    /// Retention: erases the room's messages that <paramref name="keep"/> no longer keeps at <paramref name="now"/>
    /// (from every file, as a removal); answers the first index kept.
    Task<MessageIndex> TrimAsync(RoomName room, Keep keep, DateTimeOffset now);

    /// The indexes of the messages <paramref name="author"/> wrote in the room and that are not removed yet.
    Task<Seq<MessageIndex>> ByAuthorAsync(RoomName room, AuthorName author);

    /// Every room with its count, in name order, after <paramref name="after"/>.
    Task<Seq<(RoomName Room, MessageIndex Next)>> RoomsAsync(string after, int limit);
}

public static class MessageStoreExtensions
{
    public static Task<Seq<Message>> ReadAsync(this IMessageStore store, RoomName room, Want want) =>
        store.ReadAsync(room, want.At, want.Limit);
}
