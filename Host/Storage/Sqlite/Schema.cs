using Microsoft.Data.Sqlite;

namespace Chat.Host.Storage.Sqlite;

/// The file's layout, versioned in `schema_version`. A file newer than this binary is refused, never rewritten.
internal static class Schema
{
    public const int Version = 3;

    private static readonly string[] Migrations =
    [
        // 1: one row per message; the idempotency key lives beside the message it named.
        """
        CREATE TABLE messages (
            room     TEXT    NOT NULL,
            idx      INTEGER NOT NULL,
            text     TEXT    NOT NULL,
            idem_key TEXT,
            PRIMARY KEY (room, idx)
        ) WITHOUT ROWID;
        CREATE INDEX messages_keys ON messages (room, idx) WHERE idem_key IS NOT NULL;
        """,
        // 2: who wrote a message and when it was stored (UTC, Unix milliseconds); both NULL for the rows of version 1.
        """
        ALTER TABLE messages ADD COLUMN author TEXT;
        ALTER TABLE messages ADD COLUMN stored_at_ms INTEGER;
        """,
        // 3: moderation and retention. A removal is a row that `removes` another; the removed row keeps its index and
        // time, its text emptied and author nulled, and names its removal in `removed_by`. `trimmed` keeps each room's
        // first kept index, so that numbering goes on past a room whose rows retention all erased.
        """
        ALTER TABLE messages ADD COLUMN removes INTEGER;
        ALTER TABLE messages ADD COLUMN removed_by INTEGER;
        CREATE TABLE trimmed (room TEXT NOT NULL PRIMARY KEY, first INTEGER NOT NULL) WITHOUT ROWID;
        """,
    ];

    public static void Migrate(SqliteConnection db, string path)
    {
        Execute(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        var found = Convert.ToInt32(Scalar(db, "SELECT coalesce(max(version), 0) FROM schema_version"), System.Globalization.CultureInfo.InvariantCulture);
        if (found > Version)
            throw new StoreStartException($"store: {path} has schema version {found}, newer than this binary's {Version}; refusing to start");
        for (var v = found + 1; v <= Version; v++)
        {
            using var tx = db.BeginTransaction();
            Execute(db, Migrations[v - 1], tx);
            Execute(db, $"INSERT INTO schema_version (version) VALUES ({v})", tx);
            tx.Commit();
        }
    }

    private static void Execute(SqliteConnection db, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        cmd.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }
}
