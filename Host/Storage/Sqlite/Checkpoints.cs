using Chat.Host.Observability;
using Microsoft.Data.Sqlite;

namespace Chat.Host.Storage.Sqlite;

/// Copies the WAL back into the database file in two parts, so that no commit waits for the slow one: SQLite's own
/// checkpoint runs inside whichever commit crosses 1,000 pages and fsyncs, in that post's ack. Instead, every
/// <see cref="AppendsPerCheckpoint"/> appends a thread of its own checkpoints beside the writer, then the writer's next
/// commit checkpoints the few frames written meanwhile (SQLite starts a WAL over only once it is checkpointed to its end).
internal sealed class Checkpoints : IDisposable
{
    /// About SQLite's own default (1,000 pages): one append writes about one page to the WAL.
    public const int AppendsPerCheckpoint = 1000;

    private readonly SqliteConnection _db;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _due = new(0);
    private readonly Thread _thread;
    private int _appends;
    private int _tailDue;
    private int _emptyDue; // an erasure's WAL could not be emptied at once
    private volatile bool _stopping;

    public Checkpoints(string connection, ILogger log)
    {
        _log = log;
        _db = new SqliteConnection(connection);
        _db.Open();
        _thread = new Thread(Run) { IsBackground = true, Name = "sqlite-checkpoint" };
        _thread.Start();
    }

    /// Called by the writer after each commit, with what it appended; checkpoints the tail on the writer's
    /// connection when the thread has done the bulk.
    public void Committed(SqliteConnection writer, int appends)
    {
        if (Interlocked.Exchange(ref _tailDue, 0) == 1) Checkpoint(writer);
        var total = Interlocked.Add(ref _appends, appends);
        if (total >= AppendsPerCheckpoint && total - appends < AppendsPerCheckpoint) _due.Release();
    }

    /// An erasure's WAL is still to be emptied: this thread tries again, every second until it can.
    public void EmptyLater()
    {
        Volatile.Write(ref _emptyDue, 1);
        _due.Release();
    }

    /// TRUNCATE: copies the whole WAL into the file and empties it, waiting for readers (the connection's busy timeout,
    /// a few times). Whether it did.
    public static bool Empty(SqliteConnection db, ILogger log)
    {
        for (var tries = 0; tries < 3; tries++)
        {
            try
            {
                using var checkpoint = db.CreateCommand();
                checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
                using var result = checkpoint.ExecuteReader();
                if (result.Read() && result.GetInt64(0) == 0) return true;
            }
            catch (SqliteException e)
            {
                Log.CheckpointFailed(log, e);
                return false;
            }
        }
        return false;
    }

    private void Run()
    {
        while (true)
        {
            _due.Wait();
            if (_stopping) return;
            if (Interlocked.Exchange(ref _emptyDue, 0) == 1)
            {
                if (!Empty(_db, _log))
                {
                    Thread.Sleep(1000);
                    EmptyLater();
                }
            }
            Interlocked.Exchange(ref _appends, 0);
            if (Checkpoint(_db)) Volatile.Write(ref _tailDue, 1);
        }
    }

    /// Passive: copies what no reader still needs, never waiting for a reader or the writer.
    private bool Checkpoint(SqliteConnection db)
    {
        try
        {
            using var checkpoint = db.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            checkpoint.ExecuteNonQuery();
            return true;
        }
        catch (SqliteException e)
        {
            Log.CheckpointFailed(_log, e);
            return false;
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _due.Release();
        _thread.Join();
        _db.Dispose();
        _due.Dispose();
    }
}
