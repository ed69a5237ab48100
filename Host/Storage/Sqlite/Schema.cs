using Microsoft.Data.Sqlite;

namespace Chat.Host.Storage.Sqlite;

/// The file's layout, versioned in `schema_version`. A file newer than this binary is refused, never rewritten.
internal static class Schema
{
    public const int Version = 2;

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
