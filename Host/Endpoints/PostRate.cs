using System.Threading.RateLimiting;
using Chat.Core;
using Chat.Host.Options;
using Microsoft.AspNetCore.RateLimiting;

namespace Chat.Host.Endpoints;

/// Posts per client address: ASP.NET Core's token-bucket rate limiter, one bucket per address. A client
/// over its rate gets 429 with `Retry-After` at once; nobody else is slowed.
public static class PostRate
{
    public const string Policy = "posts";

    public static IServiceCollection AddPostRate(this IServiceCollection services, ChatOptions options) =>
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(Policy, http => options.PostsPerSecond == 0
                ? RateLimitPartition.GetNoLimiter("all")
                : RateLimitPartition.GetTokenBucketLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "", _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.PostBurst,
                    TokensPerPeriod = options.PostsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            limiter.OnRejected = (context, _) =>
            {
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                return new ValueTask(Problems.For(new Rejection.TooMany("posts from this address", wait, ServerWide: false)).ExecuteAsync(context.HttpContext));
            };
        });
}
