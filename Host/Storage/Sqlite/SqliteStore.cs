using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Options;
using LanguageExt;
using Microsoft.Data.Sqlite;
using static LanguageExt.Prelude;

namespace Chat.Host.Storage.Sqlite;

/// The embedded default: one SQLite file in WAL mode. One connection writes (a transaction per group commit, one
/// thread at a time: StoreWriter.cs); reads open pooled connections of their own, which WAL lets run beside the
/// writer, and the WAL is checkpointed beside it too (Checkpoints.cs). While the store is open no other process can
/// open the file (see Connection).
public sealed class SqliteStore : IMessageStore
{
    private readonly FileStream _lock;
    private readonly SqliteConnection _writer;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _erase;
    private readonly Lock _trimming = new();
    private readonly SqliteConnection _trimmer;
    private readonly SqliteCommand _begin;
    private readonly SqliteCommand _commit;
    private readonly SqliteCommand _rollback;
    private readonly Checkpoints _checkpoints;
    private readonly string _readConnection;

    private readonly ILogger _log;

    public SqliteStore(StoreOptions options, ILogger? log = null)
    {
        _log = log ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var path = System.IO.Path.GetFullPath(options.Path);
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreStartException($"store: cannot create {path}: the folder cannot be made", e);
        }
        _lock = TakeLock(path);
        try
        {
            _writer = Open(path, options.Synchronous);
            _insert = _writer.CreateCommand();
            _insert.CommandText = "INSERT INTO messages (room, idx, text, idem_key, author, stored_at_ms, removes) VALUES ($room, $idx, $text, $key, $author, $at, $removes)";
            foreach (var name in new[] { "$room", "$idx", "$text", "$key", "$author", "$at", "$removes" }) _insert.Parameters.Add(new SqliteParameter(name, null));
            _erase = _writer.CreateCommand();
            _erase.CommandText = "UPDATE messages SET text = '', author = NULL, removed_by = $by WHERE room = $room AND idx = $idx AND removed_by IS NULL";
            foreach (var name in new[] { "$room", "$idx", "$by" }) _erase.Parameters.Add(new SqliteParameter(name, null));
            _trimmer = Open(path, options.Synchronous);
            // Kept prepared: BeginTransaction() prepares and runs a PRAGMA and BEGIN for every commit.
            (_begin, _commit, _rollback) = (Statement(_writer, "BEGIN"), Statement(_writer, "COMMIT"), Statement(_writer, "ROLLBACK"));
            _checkpoints = new Checkpoints(Connection(path, SqliteOpenMode.ReadWrite),
                log ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            _readConnection = Connection(path, SqliteOpenMode.ReadOnly, pooling: true);
        }
        catch
        {
            _lock.Dispose();
            throw;
        }
    }

    /// One process per file: a second one would number messages the first one also numbers.
    private static FileStream TakeLock(string path)
    {
        try
        {
            return new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new StoreStartException($"store: {path} is in use by another process (lock {path}.lock is held)", e);
        }
    }

    /// Every connection opens the file through SQLite's unix-excl VFS: it locks the file for this process alone
    /// and keeps the WAL index in memory, so a commit takes no file locks (six fcntl calls a commit otherwise).
    /// The page size a new file takes: a commit writes its page to the WAL, and most messages are short.
    public const int PageSize = 2048;

    private static string Connection(string path, SqliteOpenMode mode, bool pooling = false) => new SqliteConnectionStringBuilder
    {
        DataSource = OperatingSystem.IsWindows() ? path : "file:" + string.Join('/', path.Split('/').Select(Uri.EscapeDataString)) + "?vfs=unix-excl",
        Mode = mode,
        Pooling = pooling,
    }.ToString();

    private static SqliteConnection Open(string path, Durability durability)
    {
        var db = new SqliteConnection(Connection(path, SqliteOpenMode.ReadWriteCreate));
        try
        {
            db.Open();
            using (var pragma = db.CreateCommand())
            {
                // wal_autocheckpoint=0: the WAL is checkpointed on its own thread (Checkpoints.cs), not in a commit.
                // secure_delete: an erased message's bytes are overwritten with zeros in the page, not left in free space.
                pragma.CommandText = $"PRAGMA page_size={PageSize}; PRAGMA journal_mode=WAL; PRAGMA synchronous={durability.ToString().ToUpperInvariant()}; PRAGMA busy_timeout=2000; PRAGMA wal_autocheckpoint=0; PRAGMA secure_delete=ON;";
                pragma.ExecuteNonQuery();
            }
            Schema.Migrate(db, path);
            return db;
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 26 or 11)
        {
            db.Dispose();
            throw new StoreStartException($"store: {path} is not a SQLite database (or is corrupt); refusing to start", e);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6)
        {
            db.Dispose();
            throw new StoreStartException($"store: {path} is locked by another process", e);
        }
        catch (SqliteException e)
        {
            db.Dispose();
            throw new StoreStartException($"store: cannot open {path}: {e.Message}", e);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    /// SQLite's calls block on the file: both reads run on the thread pool, never on a request's thread.
    public Task<RoomState> RestoreAsync(RoomName room, RoomLimits limits) => Task.Run(() => Restore(room, limits));

    public Task<Seq<Message>> ReadAsync(RoomName room, MessageIndex from, int limit) => Task.Run(() => Read(room, from, limit));

    public Task<Seq<(RoomName Room, MessageIndex Next)>> RoomsAsync(string after, int limit) => Task.Run(() => Rooms(after, limit));

    public Task<MessageIndex> FirstAsync(RoomName room) => Task.Run(() =>
    {
        using var db = OpenRead();
        return new MessageIndex(Query(db, $"SELECT {First}", r => r.GetInt64(0), ("$room", room.Value)).Head);
    });

    public Task<Seq<MessageIndex>> ByAuthorAsync(RoomName room, AuthorName author) => Task.Run(() =>
    {
        using var db = OpenRead();
        return Query(db, "SELECT idx FROM messages WHERE room = $room AND author = $author AND removes IS NULL AND removed_by IS NULL ORDER BY idx",
            r => new MessageIndex(r.GetInt64(0)), ("$room", room.Value), ("$author", author.Value));
    });

    /// The room's first kept index, as an SQL expression of `$room`.
    private const string First = "coalesce((SELECT first FROM trimmed WHERE room = $room), 0)";

    private RoomState Restore(RoomName room, RoomLimits limits)
    {
        using var db = OpenRead();
        // Not one snapshot: a trim between the reads leaves the recent rows contiguous up to the count, and the first
        // index read here low; the room learns the new one at the next sweep, and reads below it find nothing.
        var (count, first) = Query(db, $"SELECT max(coalesce((SELECT max(idx) + 1 FROM messages WHERE room = $room), 0), {First}), {First}",
            r => (r.GetInt64(0), r.GetInt64(1)), ("$room", room.Value)).Head;
        var recent = Query(db, $"SELECT {Columns} FROM messages WHERE room = $room AND idx >= $from ORDER BY idx",
            r => Row(r), ("$room", room.Value), ("$from", Math.Max(first, count - limits.WindowCount)));
        var keys = Query(db, $"SELECT {Columns}, idem_key, idx FROM messages WHERE room = $room AND idem_key IS NOT NULL ORDER BY idx DESC LIMIT $n",
            r => (IdempotencyKey.FromStore(r.GetString(5)), new KeyEntry(new MessageIndex(r.GetInt64(6)), Row(r))),
            ("$room", room.Value), ("$n", limits.KeyCount)).Rev();
        return RoomState.Restore(limits, new MessageIndex(count), recent, keys, new MessageIndex(first));
    }

    /// One transaction for the batch; a lone append is one by itself (autocommit), without BEGIN and COMMIT. A removal
    /// and its erasure are one transaction, and the WAL is emptied before the writer says it is stored.
    public void Write(IReadOnlyList<Append> batch)
    {
        var removes = false;
        foreach (var append in batch) removes |= append.Message.Removes.IsSome;
        if (batch.Count == 1 && !removes) Insert(batch[0]);
        else
        {
            _begin.ExecuteNonQuery();
            try
            {
                foreach (var append in batch) Insert(append);
                _commit.ExecuteNonQuery();
            }
            catch
            {
                if (SQLitePCL.raw.sqlite3_get_autocommit(_writer.Handle) == 0) _rollback.ExecuteNonQuery();
                throw;
            }
        }
        if (removes) Scrub(_writer);
        else _checkpoints.Committed(_writer, batch.Count);
    }

    /// Copies the WAL into the file and empties it (its frames still hold what was erased), waiting for readers
    /// that still use it (a reader's snapshot lasts one query, so it ends). Never throws: what it follows is committed,
    /// and a commit reported failed would give its indexes out again. When the WAL cannot be emptied now (the file
    /// unwritable, readers that keep it busy past a few tries), the checkpoint thread empties it as soon as it can.
    private void Scrub(SqliteConnection db)
    {
        if (Checkpoints.Empty(db, _log)) return;
        Observability.Log.WalNotEmptied(_log);
        _checkpoints.EmptyLater();
    }

    public Task<MessageIndex> TrimAsync(RoomName room, Keep keep, DateTimeOffset now) => Task.Run(() =>
    {
        lock (_trimming)
        {
            Query(_trimmer, "BEGIN IMMEDIATE", _ => 0);
            try
            {
                var (next, first) = Query(_trimmer, $"SELECT coalesce((SELECT max(idx) + 1 FROM messages WHERE room = $room), 0), {First}",
                    r => (r.GetInt64(0), r.GetInt64(1)), ("$room", room.Value)).Head;
                var cut = first;
                if (keep.Last is { } last) cut = Math.Max(cut, next - last);
                if (keep.For is { } age)
                    cut = Math.Max(cut, Query(_trimmer, "SELECT coalesce(min(idx), $next) FROM messages WHERE room = $room AND stored_at_ms >= $since",
                        r => r.GetInt64(0), ("$room", room.Value), ("$next", next), ("$since", (now - age).ToUnixTimeMilliseconds())).Head);
                if (cut <= first)
                {
                    Query(_trimmer, "COMMIT", _ => 0);
                    return new MessageIndex(first);
                }
                Query(_trimmer, "DELETE FROM messages WHERE room = $room AND idx < $cut", _ => 0, ("$room", room.Value), ("$cut", cut));
                Query(_trimmer, "INSERT OR REPLACE INTO trimmed (room, first) VALUES ($room, $cut)", _ => 0, ("$room", room.Value), ("$cut", cut));
                Query(_trimmer, "COMMIT", _ => 0);
                Scrub(_trimmer);
                return new MessageIndex(cut);
            }
            catch
            {
                if (SQLitePCL.raw.sqlite3_get_autocommit(_trimmer.Handle) == 0) Query(_trimmer, "ROLLBACK", _ => 0);
                throw;
            }
        }
    });

    private void Insert(Append append)
    {
        _insert.Parameters[0].Value = append.Room.Value;
        _insert.Parameters[1].Value = append.At.Value;
        _insert.Parameters[2].Value = append.Message.Text.Value;
        _insert.Parameters[3].Value = append.Key.Match(k => (object)k.Value, () => DBNull.Value);
        _insert.Parameters[4].Value = append.Message.Author.Match(a => (object)a.Value, () => DBNull.Value);
        _insert.Parameters[5].Value = append.Message.Time.Match(t => (object)t.ToUnixTimeMilliseconds(), () => DBNull.Value);
        _insert.Parameters[6].Value = append.Message.Removes.Match(n => (object)n.Value, () => DBNull.Value);
        _insert.ExecuteNonQuery();
        if (append.Message.Removes.Case is not MessageIndex target) return;
        _erase.Parameters[0].Value = append.Room.Value;
        _erase.Parameters[1].Value = target.Value;
        _erase.Parameters[2].Value = append.At.Value;
        _erase.ExecuteNonQuery();
    }

    private static SqliteCommand Statement(SqliteConnection db, string sql)
    {
        var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return cmd;
    }

    private Seq<Message> Read(RoomName room, MessageIndex from, int limit)
    {
        using var db = OpenRead();
        // One statement, one snapshot: rows trimmed from under `from` are not read as if they were at it.
        return Query(db, $"SELECT {Columns} FROM messages WHERE room = $room AND idx >= $from AND $from >= {First} ORDER BY idx LIMIT $n",
            r => Row(r), ("$room", room.Value), ("$from", from.Value), ("$n", limit));
    }

    /// A message's columns, first in every query that reads messages, and the message they make.
    private const string Columns = "text, author, stored_at_ms, removes, removed_by";

    private static Message Row(SqliteDataReader r) => new(MessageText.FromStore(r.GetString(0)),
        r.IsDBNull(1) ? Option<AuthorName>.None : AuthorName.FromStore(r.GetString(1)),
        r.IsDBNull(2) ? Option<DateTimeOffset>.None : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)))
    {
        Removes = r.IsDBNull(3) ? Option<MessageIndex>.None : new MessageIndex(r.GetInt64(3)),
        RemovedBy = r.IsDBNull(4) ? Option<MessageIndex>.None : new MessageIndex(r.GetInt64(4)),
    };

    private Seq<(RoomName Room, MessageIndex Next)> Rooms(string after, int limit)
    {
        using var db = OpenRead();
        return Query(db, "SELECT room, max(idx) + 1 FROM messages WHERE room > $after GROUP BY room ORDER BY room LIMIT $n",
            r => (RoomName.Parse(r.GetString(0)).IfLeft(RoomName.Default), new MessageIndex(r.GetInt64(1))), ("$after", after), ("$n", limit));
    }

    private SqliteConnection OpenRead()
    {
        var db = new SqliteConnection(_readConnection);
        db.Open();
        return db;
    }

    private static Seq<T> Query<T>(SqliteConnection db, string sql, Func<SqliteDataReader, T> row, params (string Name, object Value)[] args)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value);
        using var reader = cmd.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(row(reader));
        return toSeq(rows);
    }

    public void Dispose()
    {
        _checkpoints.Dispose();
        foreach (var statement in new[] { _begin, _commit, _rollback }) statement.Dispose();
        _insert.Dispose();
        _erase.Dispose();
        _writer.Dispose();
        _trimmer.Dispose();
        SqliteConnection.ClearPool(new SqliteConnection(_readConnection)); // idle readers would keep the file locked
        _lock.Dispose();
    }
}
