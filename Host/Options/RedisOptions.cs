using System.ComponentModel.DataAnnotations;

namespace Chat.Host.Options;

/// The `Redis` section. With a configuration string, every node shares its rooms through Redis (the store
/// of record and the numbering); without one, the embedded store is used and nothing else changes.
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// A StackExchange.Redis configuration string, e.g. `127.0.0.1:6379`. Empty: no Redis.
    public string? Configuration { get; set; }

    /// How long an idempotency key is remembered.
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan KeyWindow { get; set; } = TimeSpan.FromDays(1);

    /// How long a retained room still remembers the idempotency key of an entry retention trimmed (never longer than
    /// <see cref="KeyWindow"/>): a client retrying a post whose answer it lost is answered its first index, not stored
    /// twice, though the entry is gone. Above every retry schedule of the clients here (the .NET client's takes ~1.5 min);
    /// Redis holds post rate x this many keys of trimmed entries.
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan TrimmedKeyWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// How often a node reads the log past its end for every room in which it holds polls. Entries reach a node by
    /// announcement; one lost without a link drop (a subscriber's output buffer overflowing, say) would otherwise
    /// leave the room's held polls waiting for the next post or their timeout: now at most this long.
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan CatchUpEvery { get; set; } = TimeSpan.FromSeconds(5);

    /// After a removal or a trim, a node asks Redis to rewrite its append-only file (BGREWRITEAOF), at most this often
    /// (an erasure sooner is rewritten when the interval is up, one during a rewrite after it): until the rewrite, the
    /// erased text is still in the file's history. Zero: never (Redis rewrites it as it grows).
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan RewriteAofEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// How many replicas must hold a post (Redis `WAIT`) before it is acknowledged, announced or read by any node.
    /// Zero: acknowledged once the master has it (a failover may then lose it). With replicas, 1 makes a failover to
    /// an up-to-date replica lose no acknowledged post (docs/operations.md says what `WAIT` does and does not promise).
    [Range(0, 16)]
    public int Replicas { get; set; }

    /// How long a post waits for <see cref="Replicas"/> before it answers `Outcome unknown` (below the link's own
    /// timeout, or the link would give up first).
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:30")]
    public TimeSpan ReplicaTimeout { get; set; } = TimeSpan.FromSeconds(1);

    public bool Enabled => !string.IsNullOrWhiteSpace(Configuration);
}
