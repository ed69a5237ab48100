using Chat.Core.Room;
using Chat.Core.Values;
using LanguageExt;

namespace Chat.Host.Storage;

/// One message to make durable.
public sealed record Append(RoomName Room, MessageIndex At, MessageText Text, Option<IdempotencyKey> Key);

/// The store port: one engine per process (SQLite file, or memory). Writes come in batches from the one
/// <see cref="StoreWriter"/>; reads come from any thread.
public interface IMessageStore : IDisposable
{
    /// A room as stored: its count, its most recent messages (oldest first) and its latest idempotency keys.
    RoomState Restore(RoomName room, RoomLimits limits);

    /// Writes every append in one transaction, all or nothing. Appends to one room come in index order.
    void Write(IReadOnlyList<Append> batch);

    /// Up to <paramref name="limit"/> messages from <paramref name="from"/> on.
    Seq<MessageText> Read(RoomName room, MessageIndex from, int limit);

    /// Every room with its count, in name order, after <paramref name="after"/>.
    Seq<(RoomName Room, MessageIndex Next)> Rooms(string after, int limit);
}

public static class MessageStoreExtensions
{
    /// Reads on the thread pool: request threads may be socket threads (inline scheduling) and must not block.
    public static Task<Seq<MessageText>> ReadAsync(this IMessageStore store, RoomName room, Want want) =>
        Task.Run(() => store.Read(room, want.At, want.Limit));
}
