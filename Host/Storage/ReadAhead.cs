using System.Collections.Concurrent;
using Chat.Core.Room;
using Chat.Core.Values;
using LanguageExt;

namespace Chat.Host.Storage;

/// Reads older than a room's window, a block of <see cref="BlockSize"/> messages at a time, the latest
/// <see cref="BlocksKept"/> blocks kept: a follower that fell behind the window polls once per message, and a query
/// per poll made followers behind cost more than followers in step, so they never caught up. Only whole blocks are
/// kept (a block all of whose messages are stored never changes); concurrent reads of one block share its query.
public sealed class ReadAhead(IMessageStore store) : IMessageStore
{
    public const int BlockSize = 64, BlocksKept = 256;
    private readonly ConcurrentDictionary<(string Room, long Block), Lazy<Task<Seq<Message>>>> _blocks = new();
    private readonly ConcurrentQueue<(string Room, long Block)> _order = new(); // when each block was first asked for

    public async Task<Seq<Message>> ReadAsync(RoomName room, MessageIndex from, int limit)
    {
        var (block, offset) = Math.DivRem(from.Value, BlockSize);
        if (limit <= 0 || offset + limit > BlockSize) return await store.ReadAsync(room, from, limit).ConfigureAwait(false); // spans blocks
        var key = (room.Value, block);
        var added = false;
        var read = _blocks.GetOrAdd(key, k =>
        {
            added = true;
            _order.Enqueue(k);
            return new(() => store.ReadAsync(room, new MessageIndex(k.Block * BlockSize), BlockSize));
        });
        Seq<Message> messages;
        try
        {
            messages = await read.Value.ConfigureAwait(false);
        }
        catch
        {
            _blocks.TryRemove(KeyValuePair.Create(key, read));
            throw;
        }
        // A block not all stored when it was read is not kept, and this read is asked of the store itself: the
        // shared read may have started before the asked messages were stored.
        if (messages.Count < BlockSize)
        {
            _blocks.TryRemove(KeyValuePair.Create(key, read));
            return await store.ReadAsync(room, from, limit).ConfigureAwait(false);
        }
        // Trimmed when a block is added only: a ConcurrentDictionary's Count takes every one of its locks.
        if (added) while (_blocks.Count > BlocksKept && _order.TryDequeue(out var oldest)) _blocks.TryRemove(oldest, out _);
        return messages.Skip((int)offset).Take(limit);
    }

    public Task<RoomState> RestoreAsync(RoomName room, RoomLimits limits) => store.RestoreAsync(room, limits);

    /// A removal changes a stored message: the block that holds it is dropped once the store has erased it.
    public void Write(IReadOnlyList<Append> batch)
    {
        store.Write(batch);
        foreach (var append in batch)
            if (append.Message.Removes.Case is MessageIndex target) _blocks.TryRemove((append.Room.Value, target.Value / BlockSize), out _);
    }

    public async Task<MessageIndex> TrimAsync(RoomName room, Keep keep, DateTimeOffset now)
    {
        var first = await store.TrimAsync(room, keep, now).ConfigureAwait(false);
        foreach (var key in _blocks.Keys)
            if (key.Room == room.Value && key.Block * BlockSize < first.Value) _blocks.TryRemove(key, out _);
        return first;
    }

    public Task<MessageIndex> FirstAsync(RoomName room) => store.FirstAsync(room);

    public Task<Seq<MessageIndex>> ByAuthorAsync(RoomName room, AuthorName author) => store.ByAuthorAsync(room, author);

    public Task<Seq<(RoomName Room, MessageIndex Next)>> RoomsAsync(string after, int limit) => store.RoomsAsync(after, limit);

    public void Dispose() => store.Dispose();
}
