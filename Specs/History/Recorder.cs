using System.Collections.Concurrent;
using System.Diagnostics;

namespace Chat.Specs.History;

/// Collects a run's operations from every client at once, timed by one monotonic clock from the run's start.
public sealed class Recorder
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<Op> _ops = new();
    private long _ids;

    /// Microseconds since the run started.
    public long Now => (long)(_clock.Elapsed.TotalMilliseconds * 1000);

    /// An operation begins now: its id and start. Record it with <see cref="Add"/> once it has ended.
    public Op Begin(string client, int node, OpKind kind, string room) =>
        new() { Id = Interlocked.Increment(ref _ids), Client = client, Node = node, Kind = kind, Room = room, Start = Now };

    public void Add(Op op) => _ops.Enqueue(op with { End = op.End == 0 ? Now : op.End });

    public int Count => _ops.Count;

    /// Every operation recorded, by start.
    public List<Op> History() => [.. _ops.OrderBy(op => op.Start).ThenBy(op => op.Id)];
}
