using Chat.Core.Room;
using Chat.Core.Values;
using LanguageExt;

namespace Chat.Host.Storage;

/// A log shared by several nodes, which numbers the messages (Redis). Each node's rooms follow it.
public interface ISharedLog
{
    /// Appends a message; the answer is its index (or the index of the key's first use, or a conflict).
    Task<Reply> AppendAsync(RoomName room, Message message, Option<IdempotencyKey> key);

    /// Whether <paramref name="error"/>, thrown by <see cref="AppendAsync"/>, came before the append was sent: then
    /// nothing was stored. Otherwise the log may hold the entry (it ran the append, and its answer was lost).
    bool FailedBeforeSending(Exception error);

    /// Up to <paramref name="limit"/> entries from <paramref name="from"/> on; none below the first kept index.
    Task<Seq<Message>> ReadAsync(RoomName room, MessageIndex from, int limit);

    /// The first index the log keeps (retention trims below it).
    Task<MessageIndex> FirstAsync(RoomName room);

    /// How many entries the room's log holds now (the next index it will give).
    Task<MessageIndex> CountAsync(RoomName room);

    /// Starts hearing the room's <see cref="Appended"/> entries; completes once that is in effect, so that a read of
    /// the log after it misses nothing. Disposing the answer stops it (the room unloaded).
    Task<IDisposable> FollowAsync(RoomName room);

    /// Every entry appended by any node to a room followed here (<see cref="FollowAsync"/>), as it is appended:
    /// (room, index, message). Delivery may be late, repeated or out of order, and is lost while the link is down;
    /// rooms catch up with reads.
    event Action<string, MessageIndex, Message>? Appended;

    /// The link came back after a drop: entries appended meanwhile were not announced.
    event Action? Reconnected;

    bool IsConnected { get; }
}
