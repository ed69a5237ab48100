using System.Security.Cryptography;

namespace Chat.Client;

/// <summary>How a <see cref="ChatClient"/> talks to the service. The defaults suit the service's own defaults
/// (a poll held 30 s, then 204).</summary>
public sealed class ChatClientOptions
{
    /// <summary>Sent as <c>Authorization: Bearer …</c> on every request when set (protected rooms, moderation).</summary>
    public string? Token { get; init; }

    /// <summary>This client's id, sent as the query parameter <c>client</c> on every request, so that a follower
    /// counts once among those here however many polls it makes: 1-64 of <c>A-Z a-z 0-9 _ -</c>. A random one
    /// per options object by default.</summary>
    public string ClientId { get; init; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Most messages asked for in one batch while catching up (the service caps it at its
    /// <c>Chat:MaxBatch</c>, 1000 by default).</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>Retries of a post or a status after the first attempt, before the error reaches the caller.
    /// A follow retries without end.</summary>
    public int MaxRetries { get; init; } = 6;

    /// <summary>The first backoff delay; it doubles with each failure in a row (with jitter), up to
    /// <see cref="MaxRetryDelay"/>. A <c>Retry-After</c> from the service takes its place.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest backoff delay.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one attempt of a post or a status may take before it is given up and retried.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one poll may take. The service answers <c>204</c> after its poll timeout (30 s by
    /// default); a poll unanswered past this is taken for a dead connection (a proxy that dropped it silently).</summary>
    public TimeSpan PollTimeout { get; init; } = TimeSpan.FromSeconds(65);

    /// <summary>Told of every failed attempt that will be retried (for a log or a "reconnecting" line).</summary>
    public Action<ChatRetry>? OnRetry { get; init; }
}
