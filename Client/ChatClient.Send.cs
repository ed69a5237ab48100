using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Polly;
using Polly.Timeout;

namespace Chat.Client;

public sealed partial class ChatClient
{
    /// One request through its retry strategy; a refusal the strategy gave up on (or never retries) is thrown.
    /// <paramref name="goneRestarts"/>: a 410 that says where the room starts (<c>first</c>) is answered, not thrown.
    private async Task<Reply<T>> ExecuteAsync<T>(ResiliencePipeline<Reply<T>> pipeline, HttpMethod method, string path,
        Func<HttpContent>? content, string? idempotencyKey, JsonTypeInfo<T> type, CancellationToken ct, bool goneRestarts = false)
    {
        var context = ResilienceContextPool.Shared.Get(ct);
        context.Properties.Set(Retries.Request, $"{method} {path}");
        try
        {
            var reply = await pipeline.ExecuteAsync(
                attempt => SendAsync(attempt, method, path, content, idempotencyKey, type), context).ConfigureAwait(false);
            return reply.Succeeded || (goneRestarts && reply is { Status: System.Net.HttpStatusCode.Gone, Problem.First: not null })
                ? reply : throw reply.Refusal();
        }
        catch (TimeoutRejectedException e)
        {
            throw new TimeoutException($"{method} {path}: no answer within the attempt's timeout.", e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// One attempt, on the node the client asks now: the answer read whole, so a connection cut in the middle of
    /// a body is a failed attempt like any other.
    private async ValueTask<Reply<T>> SendAsync<T>(ResilienceContext attempt, HttpMethod method, string path,
        Func<HttpContent>? content, string? idempotencyKey, JsonTypeInfo<T> type)
    {
        var node = _nodes.Current;
        attempt.Properties.Set(Retries.Node, node);
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        using var request = new HttpRequestMessage(method, new Uri(_nodes[node], $"{path}{separator}client={_options.ClientId}"));
        if (content is not null) request.Content = content();
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (_options.Token is { } token) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var ct = attempt.CancellationToken;
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        var status = response.StatusCode;
        var retryAfter = RetryAfter(response.Headers.RetryAfter);
        if (status == System.Net.HttpStatusCode.NoContent) return new(status, default, retryAfter, null);
        if (response.IsSuccessStatusCode)
            return new(status, await response.Content.ReadFromJsonAsync(type, ct).ConfigureAwait(false), retryAfter, null);
        return new(status, default, retryAfter, await ProblemAsync(response, ct).ConfigureAwait(false));
    }

    private static async Task<Wire.Problem?> ProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(WireJson.Default.Problem, ct).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return null; // not problem+json (a proxy's own error page): the status says enough
        }
    }

    private static TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is { Ticks: > 0 } wait ? wait : TimeSpan.Zero,
        _ => null,
    };
}
