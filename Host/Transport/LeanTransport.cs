using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace Chat.Host.Transport;

/// Kestrel's transport for TCP endpoints when the held-poll path is on. It accepts as Kestrel's socket transport does
/// (same listen socket, backlog, no-delay) and runs each connection on the path itself (<see cref="LeanListener"/>):
/// Kestrel hears of a connection only when the path hands it on, and only then makes its own socket connection (~3.8
/// kB) and its bookkeeping (~1.3 kB). Other endpoints (a Unix socket, a handle, one that speaks HTTP/2 alone) stay with
/// Kestrel's socket transport.
public sealed partial class LeanTransport : IConnectionListenerFactory, IConnectionListenerFactorySelector, IDisposable
{
    private readonly SocketTransportOptions _options;
    private readonly IServiceProvider _services;
    private readonly ILogger _log;
    private readonly HashSet<int> _http2Only = [];
    private TransportPath.Shared? _shared;
    private Timer? _heartbeat;

    /// `Kestrel:Limits:MaxConcurrentConnections` counted here, for the path's connections and those it handed on,
    /// since Kestrel's own count sees only the latter.
    private readonly long? _maxConnections;
    private long _connections;

    public LeanTransport(IOptions<SocketTransportOptions> options, IOptions<KestrelServerOptions> kestrel, ILoggerFactory logs, IServiceProvider services)
    {
        _options = options.Value;
        _services = services;
        _log = logs.CreateLogger<LeanTransport>();
        _maxConnections = kestrel.Value.Limits.MaxConcurrentConnections;
        Kestrel = new(new SocketConnectionFactoryOptions
        {
            IOQueueCount = _options.IOQueueCount,
            WaitForDataBeforeAllocatingBuffer = _options.WaitForDataBeforeAllocatingBuffer,
            MaxReadBufferSize = _options.MaxReadBufferSize,
            MaxWriteBufferSize = _options.MaxWriteBufferSize,
            UnsafePreferInlineScheduling = _options.UnsafePreferInlineScheduling,
        }, logs.CreateLogger("Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets"));
    }

    /// The path's epoll set: every connection the path reads, and so every one its heartbeat and stop visit.
    public Epoll Epoll { get; } = new();

    /// Kestrel's socket connections, made for those the path hands on.
    public SocketConnectionContextFactory Kestrel { get; }

    /// A cleartext endpoint that speaks HTTP/2 alone has no HTTP/1.1 polls: Kestrel's socket transport binds its port.
    public void Leave(EndPoint endpoint)
    {
        if (endpoint is IPEndPoint { Port: > 0 } ip) lock (_http2Only) _http2Only.Add(ip.Port);
    }

    public bool CanBind(EndPoint endpoint)
    {
        lock (_http2Only) return endpoint is IPEndPoint ip && !_http2Only.Contains(ip.Port);
    }

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        Socket socket;
        try
        {
            socket = _options.CreateBoundListenSocket(endpoint);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new AddressInUseException(e.Message, e); // as Kestrel's transport: its own message, no fallback
        }
        socket.Listen(_options.Backlog);
        _shared ??= new(_services);
        // Kestrel's heartbeat beats for its connections only: the path's keep-alive timeout beats here, each second.
        _heartbeat ??= new(static self => ((LeanTransport)self!).Beat(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        return new(new LeanListener(socket, this, _shared));
    }

    public void Dispose()
    {
        _heartbeat?.Dispose();
        Kestrel.Dispose();
        Epoll.Dispose();
    }

    public bool NoDelay => _options.NoDelay;

    /// Whether one more connection is within `MaxConcurrentConnections`; a refused one is closed unread, as Kestrel
    /// does.
    public bool Admit()
    {
        if (Interlocked.Increment(ref _connections) <= (_maxConnections ?? long.MaxValue)) return true;
        Interlocked.Decrement(ref _connections);
        LogRejected();
        return false;
    }

    /// A connection admitted by <see cref="Admit"/> closed (the path's, or one Kestrel had).
    public void Closed() => Interlocked.Decrement(ref _connections);

    private void Beat() => Epoll.Each(static input => input.Loop?.Tick());

    [LoggerMessage(LogLevel.Debug, "A connection was refused: Kestrel:Limits:MaxConcurrentConnections are open.")]
    private partial void LogRejected();

    [LoggerMessage(LogLevel.Error, "Unhandled exception while processing {ConnectionId}.")]
    internal partial void LogFailed(Exception e, string connectionId);
}
