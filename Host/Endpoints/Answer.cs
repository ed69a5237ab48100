using System.Diagnostics;
using System.Net;

namespace Chat.Host.Endpoints;

/// What of a request its answer depends on, as the path that read it knows it: Kestrel's (<see cref="Answer"/>'s
/// ExecuteAsync) or the transport's (Host/Transport).
public interface IAsked
{
    string Method { get; }
    string Path { get; }
    string? IfNoneMatch { get; }

    /// The client's address (the one a trusted proxy forwards), for the rejection log.
    IPAddress? Address { get; }

    /// What a problem body names the request by: Kestrel's `connection:request` identifier.
    string TraceId { get; }
    IServiceProvider Services { get; }
}

/// One of the chat's own answers. <see cref="Render"/> makes its status, headers and body once; either path writes
/// them, so no rule of the protocol is written twice.
public abstract class Answer : IResult
{
    public abstract Rendered Render(IAsked asked);

    public Task ExecuteAsync(HttpContext http) => Render(new KestrelAsked(http)).WriteAsync(http);

    private sealed class KestrelAsked(HttpContext http) : IAsked
    {
        public string Method => http.Request.Method;
        public string Path => http.Request.Path.Value ?? "";
        public string? IfNoneMatch => http.Request.Headers.IfNoneMatch is { Count: > 0 } v ? v.ToString() : null;
        public IPAddress? Address => http.Connection.RemoteIpAddress;
        public string TraceId => Activity.Current?.Id ?? http.TraceIdentifier;
        public IServiceProvider Services => http.RequestServices;
    }
}
