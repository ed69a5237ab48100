namespace Chat.Host.Options;

public enum StoreKind { Sqlite, Memory }

/// SQLite's `synchronous` pragma in WAL mode: Normal loses at most the last commits on a power cut (never on a
/// process crash), Full fsyncs every commit.
public enum Durability { Normal, Full }

/// The `Store` section: where acknowledged messages live.
public sealed class StoreOptions
{
    public const string Section = "Store";

    /// Sqlite (default, durable) or Memory (lost on exit; for tests and benchmarks).
    public StoreKind Kind { get; set; } = StoreKind.Sqlite;

    /// The SQLite file, relative to the working directory.
    public string Path { get; set; } = "data/chat.db";

    public Durability Synchronous { get; set; } = Durability.Normal;

    /// Most posts committed in one transaction (group commit takes whatever is queued, up to this).
    [System.ComponentModel.DataAnnotations.Range(1, 100_000)]
    public int MaxBatch { get; set; } = 4096;
}
