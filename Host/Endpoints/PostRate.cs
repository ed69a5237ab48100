using System.Net;
using System.Threading.RateLimiting;
using Chat.Core;
using Chat.Host.Options;

namespace Chat.Host.Endpoints;

/// Posts per client address: .NET's token-bucket rate limiter, one bucket per address (the one trusted proxies
/// forward). A client over its rate gets 429 with `Retry-After` at once; nobody else is slowed. One instance serves
/// both paths, so a client's posts count the same wherever they are answered.
public sealed class PostRate(ChatOptions options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _buckets = PartitionedRateLimiter.Create<string, string>(address =>
        options.PostsPerSecond == 0
            ? RateLimitPartition.GetNoLimiter("all")
            : RateLimitPartition.GetTokenBucketLimiter(address, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = options.PostBurst,
                TokensPerPeriod = options.PostsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));

    /// Takes a post's token: null if the address may post now, else the 429 to answer.
    public Rejection? Take(IPAddress? address)
    {
        using var lease = _buckets.AttemptAcquire(address?.ToString() ?? "");
        if (lease.IsAcquired) return null;
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
        return new Rejection.TooMany("posts from this address", wait, ServerWide: false);
    }

    public void Dispose() => _buckets.Dispose();
}
