using Chat.Core.Room;
using Chat.Core.Values;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Chat.Host.Storage;

/// Everything in process memory: gone on exit. For tests and for measuring what durability costs.
public sealed class MemoryStore : IMessageStore
{
    /// A room's messages from <see cref="First"/> on (retention trimmed those below).
    private sealed class Log
    {
        public long First;
        public readonly List<(Message Message, Option<IdempotencyKey> Key)> Items = [];
        public long Next => First + Items.Count;
    }

    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, Log> _rooms = new(StringComparer.Ordinal);

    public Task<RoomState> RestoreAsync(RoomName room, RoomLimits limits) => Task.FromResult(Restore(room, limits));

    public Task<Seq<Message>> ReadAsync(RoomName room, MessageIndex from, int limit) => Task.FromResult(Read(room, from, limit));

    public Task<Seq<(RoomName Room, MessageIndex Next)>> RoomsAsync(string after, int limit) => Task.FromResult(Rooms(after, limit));

    public Task<MessageIndex> FirstAsync(RoomName room)
    {
        lock (_gate) return Task.FromResult(new MessageIndex(_rooms.TryGetValue(room.Value, out var log) ? log.First : 0));
    }

    public Task<Seq<MessageIndex>> ByAuthorAsync(RoomName room, AuthorName author)
    {
        lock (_gate)
            return Task.FromResult(_rooms.TryGetValue(room.Value, out var log)
                ? log.Items.Select((m, i) => (m.Message, At: new MessageIndex(log.First + i)))
                    .Where(x => x.Message.Author == author && x.Message.Removes.IsNone && x.Message.RemovedBy.IsNone).Select(x => x.At).ToSeq().Strict()
                : Seq<MessageIndex>());
    }

    public Task<MessageIndex> TrimAsync(RoomName room, Keep keep, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_rooms.TryGetValue(room.Value, out var log)) return Task.FromResult(MessageIndex.Zero);
            var drop = keep.Last is { } last ? Math.Max(0, log.Items.Count - last) : 0;
            if (keep.For is { } age)
                while (drop < log.Items.Count && log.Items[drop].Message.Time.Map(t => t < now - age).IfNone(true)) drop++;
            log.Items.RemoveRange(0, drop);
            log.First += drop;
            return Task.FromResult(new MessageIndex(log.First));
        }
    }

    private RoomState Restore(RoomName room, RoomLimits limits)
    {
        lock (_gate)
        {
            if (!_rooms.TryGetValue(room.Value, out var log)) return RoomState.Initial(limits);
            var recent = log.Items.Skip(Math.Max(0, log.Items.Count - limits.WindowCount)).Select(m => m.Message).ToSeq().Strict();
            var keys = log.Items.Select((m, i) => (m, i)).Where(x => x.m.Key.IsSome).TakeLast(limits.KeyCount)
                .Select(x => ((IdempotencyKey)x.m.Key, new KeyEntry(new MessageIndex(log.First + x.i), x.m.Message))).ToSeq().Strict();
            return RoomState.Restore(limits, new MessageIndex(log.Next), recent, keys, new MessageIndex(log.First));
        }
    }

    public void Write(IReadOnlyList<Append> batch)
    {
        lock (_gate)
            foreach (var append in batch)
            {
                if (!_rooms.TryGetValue(append.Room.Value, out var log)) _rooms[append.Room.Value] = log = new Log();
                if (append.At.Value != log.Next) throw new InvalidOperationException($"room {append.Room} expects {log.Next}, got {append.At}");
                log.Items.Add((append.Message, append.Key));
                if (append.Message.Removes.Case is MessageIndex target && target.Value >= log.First && log.Items[(int)(target.Value - log.First)] is var (old, key) && old.RemovedBy.IsNone)
                    log.Items[(int)(target.Value - log.First)] = (old.ErasedBy(append.At), key);
            }
    }

    private Seq<Message> Read(RoomName room, MessageIndex from, int limit)
    {
        lock (_gate)
            return _rooms.TryGetValue(room.Value, out var log) && from.Value >= log.First
                ? log.Items.Skip((int)Math.Min(from.Value - log.First, int.MaxValue)).Take(limit).Select(m => m.Message).ToSeq().Strict()
                : Seq<Message>();
    }

    private Seq<(RoomName Room, MessageIndex Next)> Rooms(string after, int limit)
    {
        lock (_gate)
            return _rooms.Where(r => string.CompareOrdinal(r.Key, after) > 0).Take(limit)
                .Select(r => ((RoomName)RoomName.Parse(r.Key).IfLeft(RoomName.Default), new MessageIndex(r.Value.Next))).ToSeq().Strict();
    }

    public void Dispose() { }
}
