using Chat.Host.Storage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Chat.Host.Observability;

/// `/healthz`: the process answers (no checks). `/readyz`: it can serve, i.e. its store answers a query.
public static class Health
{
    public const string Ready = "ready";

    public static IServiceCollection AddChatHealth(this IServiceCollection services, bool redis)
    {
        var checks = services.AddHealthChecks().AddCheck<StoreCheck>("store", tags: [Ready]);
        if (redis) checks.AddCheck<RedisLinkCheck>("redis", tags: [Ready]);
        return services;
    }

    public static void MapChatHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteAsync });
    }

    private static Task WriteAsync(HttpContext http, HealthReport report) => Endpoints.Responses.Json(new
    {
        status = report.Status.ToString(),
        checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
    }).ExecuteAsync(http);

    /// With Redis: is this node's link up? While it is down, held polls stay held and posts get 503.
    private sealed class RedisLinkCheck(ISharedLog log) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(log.IsConnected ? HealthCheckResult.Healthy("the Redis link is up") : HealthCheckResult.Unhealthy("the Redis link is down"));
    }

    private sealed class StoreCheck(IMessageStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await store.RoomsAsync("", 1).WaitAsync(cancellationToken);
                return HealthCheckResult.Healthy("the store answers");
            }
            catch (Exception e)
            {
                return HealthCheckResult.Unhealthy("the store does not answer: " + e.Message);
            }
        }
    }
}
