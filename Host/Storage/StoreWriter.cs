using System.Threading.Channels;
using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Observability;
using Chat.Host.Rooms;

namespace Chat.Host.Storage;

/// Group commit: the one writer drains whatever posts are queued (from every room), commits them in one
/// transaction, then tells each room how far it is durable. A lone post waits for nothing but its own commit;
/// under load, many posts share one fsync. It runs on a thread of its own because SQLite blocks.
public sealed class StoreWriter : IDisposable
{
    private readonly Channel<(Append Append, RoomLoop Room)> _queue =
        Channel.CreateUnbounded<(Append, RoomLoop)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IMessageStore _store;
    private readonly int _maxBatch;
    private readonly ChatMetrics _metrics;
    private readonly ILogger _log;
    private readonly Thread _thread;
    /// After a failed commit, a room's later appends already queued fail too, until it numbers from the gap again.
    private readonly Dictionary<RoomLoop, MessageIndex> _failedFrom = [];

    public StoreWriter(IMessageStore store, int maxBatch, ChatMetrics metrics, ILogger<StoreWriter> log)
    {
        (_store, _maxBatch, _metrics, _log) = (store, maxBatch, metrics, log);
        _thread = new Thread(Run) { IsBackground = true, Name = "store-writer" };
        _thread.Start();
    }

    public void Enqueue(Append append, RoomLoop room)
    {
        if (!_queue.Writer.TryWrite((append, room))) room.Send(new Command.Failed(append.At));
    }

    private void Run()
    {
        var batch = new List<(Append Append, RoomLoop Room)>();
        var reader = _queue.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            while (batch.Count < _maxBatch && reader.TryRead(out var item))
                if (!FailsEarlier(item)) batch.Add(item);
            if (batch.Count > 0) Commit(batch);
        }
    }

    private bool FailsEarlier((Append Append, RoomLoop Room) item)
    {
        if (!_failedFrom.TryGetValue(item.Room, out var from)) return false;
        if (item.Append.At <= from) { _failedFrom.Remove(item.Room); return false; }
        return true;
    }

    private void Commit(List<(Append Append, RoomLoop Room)> batch)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var rooms = batch.GroupBy(x => x.Room);
        try
        {
            _store.Write(batch.ConvertAll(x => x.Append));
            _metrics.Committed(batch.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            foreach (var room in rooms) room.Key.Send(new Command.Stored(room.Max(x => x.Append.At).Next));
        }
        catch (Exception e)
        {
            Log.StoreWriteFailed(_log, e, batch.Count);
            foreach (var room in rooms)
            {
                var from = room.Min(x => x.Append.At);
                _failedFrom[room.Key] = from;
                room.Key.Send(new Command.Failed(from));
            }
        }
    }

    /// Stops taking posts and commits what is queued. Called at shutdown, after the rooms have stopped.
    public void Drain(TimeSpan timeout)
    {
        _queue.Writer.TryComplete();
        _thread.Join(timeout);
    }

    public void Dispose() => Drain(TimeSpan.FromSeconds(5));
}
