using Chat.Core.Room;
using Chat.Core.Values;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Chat.Host.Storage;

/// Everything in process memory: gone on exit. For tests and for measuring what durability costs.
public sealed class MemoryStore : IMessageStore
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, List<(Message Message, Option<IdempotencyKey> Key)>> _rooms = new(StringComparer.Ordinal);

    public Task<RoomState> RestoreAsync(RoomName room, RoomLimits limits) => Task.FromResult(Restore(room, limits));

    public Task<Seq<Message>> ReadAsync(RoomName room, MessageIndex from, int limit) => Task.FromResult(Read(room, from, limit));

    public Task<Seq<(RoomName Room, MessageIndex Next)>> RoomsAsync(string after, int limit) => Task.FromResult(Rooms(after, limit));

    private RoomState Restore(RoomName room, RoomLimits limits)
    {
        lock (_gate)
        {
            if (!_rooms.TryGetValue(room.Value, out var log)) return RoomState.Initial(limits);
            var recent = log.Skip(Math.Max(0, log.Count - limits.WindowCount)).Select(m => m.Message).ToSeq().Strict();
            var keys = log.Select((m, i) => (m, i)).Where(x => x.m.Key.IsSome).TakeLast(limits.KeyCount)
                .Select(x => ((IdempotencyKey)x.m.Key, new KeyEntry(new MessageIndex(x.i), x.m.Message))).ToSeq().Strict();
            return RoomState.Restore(limits, new MessageIndex(log.Count), recent, keys);
        }
    }

    public void Write(IReadOnlyList<Append> batch)
    {
        lock (_gate)
            foreach (var append in batch)
            {
                if (!_rooms.TryGetValue(append.Room.Value, out var log)) _rooms[append.Room.Value] = log = [];
                if (append.At.Value != log.Count) throw new InvalidOperationException($"room {append.Room} expects {log.Count}, got {append.At}");
                log.Add((append.Message, append.Key));
            }
    }

    private Seq<Message> Read(RoomName room, MessageIndex from, int limit)
    {
        lock (_gate)
            return _rooms.TryGetValue(room.Value, out var log)
                ? log.Skip((int)Math.Min(from.Value, int.MaxValue)).Take(limit).Select(m => m.Message).ToSeq().Strict()
                : Seq<Message>();
    }

    private Seq<(RoomName Room, MessageIndex Next)> Rooms(string after, int limit)
    {
        lock (_gate)
            return _rooms.Where(r => string.CompareOrdinal(r.Key, after) > 0).Take(limit)
                .Select(r => ((RoomName)RoomName.Parse(r.Key).IfLeft(RoomName.Default), new MessageIndex(r.Value.Count))).ToSeq().Strict();
    }

    public void Dispose() { }
}
