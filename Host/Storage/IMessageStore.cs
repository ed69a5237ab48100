using Chat.Core.Room;
using Chat.Core.Values;
using LanguageExt;

namespace Chat.Host.Storage;

/// One message to make durable.
public sealed record Append(RoomName Room, MessageIndex At, Message Message, Option<IdempotencyKey> Key);

/// The store port: one engine per process (SQLite file, memory, or Redis). Writes come in batches from the
/// <see cref="StoreWriter"/>, one at a time; reads come from any thread and never block it: a request thread may
/// be a socket thread (inline scheduling), and a thread-pool thread blocked on a network store starves the very
/// completions it waits for.
public interface IMessageStore : IDisposable
{
    /// A room as stored: its count, its most recent messages (oldest first) and its latest idempotency keys.
    Task<RoomState> RestoreAsync(RoomName room, RoomLimits limits);

    /// Writes every append in one transaction, all or nothing. Appends to one room come in index order.
    void Write(IReadOnlyList<Append> batch);

    /// Up to <paramref name="limit"/> messages from <paramref name="from"/> on.
    Task<Seq<Message>> ReadAsync(RoomName room, MessageIndex from, int limit);

    /// Every room with its count, in name order, after <paramref name="after"/>.
    Task<Seq<(RoomName Room, MessageIndex Next)>> RoomsAsync(string after, int limit);
}

public static class MessageStoreExtensions
{
    public static Task<Seq<Message>> ReadAsync(this IMessageStore store, RoomName room, Want want) =>
        store.ReadAsync(room, want.At, want.Limit);
}
