using System.Text.Json;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Chat.Client;

/// The retry strategies (Polly): exponential backoff with jitter, or the answer's Retry-After when it has one;
/// each attempt bounded by its own timeout; a failed node passed over for the next one.
internal static class Retries
{
    /// The node an attempt was sent to, so the retry can move on from it.
    public static readonly ResiliencePropertyKey<int> Node = new("chat.node");

    /// What the attempt asked, for <see cref="ChatRetry.Request"/>.
    public static readonly ResiliencePropertyKey<string> Request = new("chat.request");

    public static ResiliencePipeline<Reply<T>> Pipeline<T>(ChatClientOptions options, Nodes nodes, int retries, TimeSpan attemptTimeout) =>
        new ResiliencePipelineBuilder<Reply<T>>()
            .AddRetry(new RetryStrategyOptions<Reply<T>>
            {
                MaxRetryAttempts = retries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context.CancellationToken)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result?.RetryAfter),
                OnRetry = args => OnRetry(args, options, nodes),
            })
            .AddTimeout(attemptTimeout)
            .Build();

    /// No answer (refused, cut, timed out, unreadable) or an answer that asks to come back; never the caller's
    /// own cancellation.
    private static bool ShouldRetry<T>(Outcome<Reply<T>> outcome, CancellationToken caller) => outcome switch
    {
        { Exception: OperationCanceledException } when caller.IsCancellationRequested => false,
        { Exception: HttpRequestException or IOException or TimeoutRejectedException or OperationCanceledException or JsonException } => true,
        { Exception: null, Result: { } reply } => reply.Retryable,
        _ => false,
    };

    private static ValueTask OnRetry<T>(OnRetryArguments<Reply<T>> args, ChatClientOptions options, Nodes nodes)
    {
        var node = args.Context.Properties.GetValue(Node, nodes.Current);
        var reply = args.Outcome.Result;
        // 429 is this client's quota on this node: wait as told, on the same node. Anything else: the next node.
        if (reply?.Status is not System.Net.HttpStatusCode.TooManyRequests) nodes.Failed(node);
        options.OnRetry?.Invoke(new ChatRetry(args.Context.Properties.GetValue(Request, ""), nodes[node],
            args.AttemptNumber + 1, args.RetryDelay, reply?.Status, args.Outcome.Exception));
        return ValueTask.CompletedTask;
    }
}
