using System.ComponentModel.DataAnnotations;
using Chat.Core.Room;

namespace Chat.Host.Options;

/// The `Chat` section: protocol timing and limits. Bound from appsettings.json, `Chat__X` environment
/// variables and `--Chat:X=` arguments; validated at start, so a bad value stops the process with its name.
public sealed class ChatOptions : IValidatableObject
{
    public const string Section = "Chat";

    /// Seed polls over plain HTTP/1.1 answered on Kestrel's transport, below its per-request path (Host/Transport); off:
    /// every request takes Kestrel's HTTP and the routes. The answers are the same (TransportPathDifferentialSpecs).
    public bool TransportPath { get; set; } = true;

    /// How long a poll is held before it is answered 204 (the seed's client re-polls at once).
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan PollTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// How often an idle event stream gets a keep-alive comment (proxies drop silent connections).
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// The largest message, in UTF-8 bytes; a larger one is 413.
    [Range(1, 16 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// Recent messages per room kept in memory (older ones are read from the store).
    [Range(1, 1_000_000)]
    public int WindowCount { get; set; } = 1024;

    /// …and their total UTF-8 size per room.
    [Range(1024, long.MaxValue)]
    public long WindowBytes { get; set; } = 4 * 1024 * 1024;

    /// Idempotency keys remembered per room (the most recent ones; older retries post anew).
    [Range(0, 10_000_000)]
    public int IdempotencyKeys { get; set; } = 10_000;

    /// Most messages a batch answer may carry.
    [Range(1, 10_000)]
    public int MaxBatch { get; set; } = 1000;

    /// Rooms one poll or stream may follow at once (`GET /messages?from=...`); more is 400.
    [Range(1, 10_000)]
    public int MaxRoomsPerPoll { get; set; } = 50;

    /// Rooms loaded at once; past it a new room is 503 (Retry-After: 1) while the idle ones unload themselves.
    [Range(1, 1_000_000)]
    public int MaxRooms { get; set; } = 10_000;

    /// Polls held at once from one client address (429 past it).
    [Range(1, 1_000_000)]
    public int MaxWaitersPerClient { get; set; } = 1000;

    /// Polls held at once in all (503 past it).
    [Range(1, 10_000_000)]
    public int MaxWaiters { get; set; } = 100_000;

    /// Posts per second per client address, sustained (a token bucket; 0 turns the limit off).
    [Range(0, 1_000_000)]
    public int PostsPerSecond { get; set; } = 20;

    /// Posts a client may send in a burst above the sustained rate.
    [Range(1, 1_000_000)]
    public int PostBurst { get; set; } = 40;

    /// A request body slower than this (after the grace period) is cut off: 408, connection closed.
    [Range(1, 1_000_000_000)]
    public double MinBodyBytesPerSecond { get; set; } = 240;

    /// Kestrel requires more than one second (its heartbeat).
    [Range(typeof(TimeSpan), "00:00:01.001", "00:10:00")]
    public TimeSpan BodyRateGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// How long a follower stays counted "here" after its poll or stream ends (it is usually polling again by then).
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan HereGrace { get; set; } = TimeSpan.FromSeconds(1);

    /// How long after its last post with a name a follower's name is shown among those here.
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan NamesFor { get; set; } = TimeSpan.FromMinutes(10);

    /// Retention, per room pattern (off by default): the first rule whose pattern matches a room is its rule.
    public RetentionRule[] Retention { get; set; } = [];

    /// How often each node trims the rooms a retention rule names.
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan RetentionSweep { get; set; } = TimeSpan.FromMinutes(1);

    public RoomLimits RoomLimits => new(WindowCount, WindowBytes, IdempotencyKeys);

    public IEnumerable<ValidationResult> Validate(ValidationContext context)
    {
        foreach (var (rule, i) in Retention.Select((r, i) => (r, i)))
        {
            var at = $"{Section}:{nameof(Retention)}:{i}";
            if (!Auth.RoomPattern.IsValid(rule.Rooms ?? ""))
                yield return new($"{at}:{nameof(RetentionRule.Rooms)}: '{rule.Rooms}' is not a room pattern (room-name characters and *)", [nameof(Retention)]);
            if (rule.KeepLast is null && rule.KeepFor is null)
                yield return new($"{at}: keeps everything; set {nameof(RetentionRule.KeepLast)} and/or {nameof(RetentionRule.KeepFor)}", [nameof(Retention)]);
            if (rule.KeepLast is < 1)
                yield return new($"{at}:{nameof(RetentionRule.KeepLast)}: at least 1", [nameof(Retention)]);
            if (rule.KeepFor is { } age && age <= TimeSpan.Zero)
                yield return new($"{at}:{nameof(RetentionRule.KeepFor)}: longer than zero", [nameof(Retention)]);
        }
    }
}

/// Keep a matching room's last <see cref="KeepLast"/> messages and/or those younger than <see cref="KeepFor"/>; the
/// store erases the rest (as a removal does) and reading below the first kept index is 410.
public sealed class RetentionRule
{
    public string? Rooms { get; set; }
    public int? KeepLast { get; set; }
    public TimeSpan? KeepFor { get; set; }
}
