using System.Net;

namespace Chat.Client;

/// One answer of the service, read whole: its status, its body when it succeeded, its problem when it did not,
/// and how long it asks the client to wait (Retry-After). The retry strategies decide on this value.
internal sealed record Reply<T>(HttpStatusCode Status, T? Value, TimeSpan? RetryAfter, Wire.Problem? Problem)
{
    public bool Succeeded => (int)Status is >= 200 and < 300;

    /// 429 (too many), 408 and 5xx: worth asking again; every other refusal would be refused again.
    public bool Retryable => Status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)Status >= 500;

    public ChatException Refusal() => new(Status, Problem?.Title, Problem?.Detail);
}
