using System.Collections.Concurrent;
using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Observability;

namespace Chat.Host.Storage;

/// Group commit, led by whoever asks for it first: a room that queued appends asks for a commit once its inbox is
/// empty (<see cref="Commit"/>); if no commit is running, that thread commits everything queued (from every room)
/// in one transaction, then tells each room how far it is durable, and goes on while more is queued. A commit
/// asked for meanwhile finds one running and returns: its appends go in the leader's next transaction. A lone post
/// is thus stored on the thread that took it, with no hand-over; under load, many posts share a transaction.
/// The leader blocks on SQLite for the commit (tens of microseconds with Synchronous=Normal), one thread at a time.
public sealed class StoreWriter : IDisposable
{
    private readonly ConcurrentQueue<(Append Append, IStoreSink Room)> _queue = new();
    private readonly IMessageStore _store;
    private readonly int _maxBatch;
    private readonly ChatMetrics _metrics;
    private readonly ILogger _log;
    private readonly List<(Append Append, IStoreSink Room)> _batch = [];
    private int _leading;   // 1 while a thread commits; it alone touches _batch and _failedFrom
    private volatile bool _closed;
    /// After a failed commit, a room's later appends already queued fail too, until it numbers from the gap again.
    private readonly Dictionary<IStoreSink, MessageIndex> _failedFrom = [];

    public StoreWriter(IMessageStore store, int maxBatch, ChatMetrics metrics, ILogger<StoreWriter> log) =>
        (_store, _maxBatch, _metrics, _log) = (store, maxBatch, metrics, log);

    /// Queues an append; it is stored by the next <see cref="Commit"/>.
    public void Enqueue(Append append, IStoreSink room)
    {
        if (_closed) room.Failed(append.At);
        else _queue.Enqueue((append, room));
    }

    /// Commits what is queued, unless a commit is running (its leader takes these too, see the class comment).
    /// <paramref name="awaited"/>: followers wait for what is queued, so it is not deferred to an event loop's batch end.
    public void Commit(bool awaited = false)
    {
        if (!awaited && BatchCommits.Defer(this)) return;
        // Released before the queue is looked at again: an append queued by a thread that found us leading is
        // either in our next round or its own thread's.
        while (!_queue.IsEmpty && Interlocked.CompareExchange(ref _leading, 1, 0) == 0)
        {
            try
            {
                _batch.Clear();
                while (_batch.Count < _maxBatch && _queue.TryDequeue(out var item))
                    if (!FailsEarlier(item)) _batch.Add(item);
                if (_batch.Count > 0) Write(_batch);
            }
            finally
            {
                Volatile.Write(ref _leading, 0);
            }
        }
    }

    private bool FailsEarlier((Append Append, IStoreSink Room) item)
    {
        if (!_failedFrom.TryGetValue(item.Room, out var from)) return false;
        if (item.Append.At <= from) { _failedFrom.Remove(item.Room); return false; }
        return true;
    }

    private void Write(List<(Append Append, IStoreSink Room)> batch)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var rooms = batch.GroupBy(x => x.Room);
        try
        {
            _store.Write(batch.ConvertAll(x => x.Append));
            _metrics.Committed(batch.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            foreach (var room in rooms) room.Key.Stored(room.Max(x => x.Append.At).Next);
        }
        catch (Exception e)
        {
            Log.StoreWriteFailed(_log, e, batch.Count);
            foreach (var room in rooms)
            {
                var from = room.Min(x => x.Append.At);
                _failedFrom[room.Key] = from;
                room.Key.Failed(from);
            }
        }
    }

    /// Stops taking posts and commits what is queued. Called at shutdown, after the rooms have stopped.
    public void Drain(TimeSpan timeout)
    {
        _closed = true;
        var until = DateTime.UtcNow + timeout;
        while (!_queue.IsEmpty && DateTime.UtcNow < until)
        {
            Commit();
            if (Volatile.Read(ref _leading) == 1) Thread.Sleep(1); // another thread's commit is running
        }
    }

    public void Dispose() => Drain(TimeSpan.FromSeconds(5));
}
