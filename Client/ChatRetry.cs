using System.Net;

namespace Chat.Client;

/// <summary>A request that failed and is about to be tried again (see <see cref="ChatClientOptions.OnRetry"/>).</summary>
/// <param name="Request">What was asked: <c>POST rooms/lobby/post</c>, <c>GET rooms/lobby/messages?from=12</c>, …</param>
/// <param name="Node">The node that failed.</param>
/// <param name="Attempt">How many attempts of this request failed so far (1 after the first).</param>
/// <param name="Delay">How long the client waits before the next attempt (the answer's Retry-After, else backoff with jitter).</param>
/// <param name="Status">The answer's status (429, 5xx), or null when there was no answer.</param>
/// <param name="Error">Why there was no answer (connection refused or cut, timeout), or null.</param>
public sealed record ChatRetry(string Request, Uri Node, int Attempt, TimeSpan Delay, HttpStatusCode? Status, Exception? Error);
