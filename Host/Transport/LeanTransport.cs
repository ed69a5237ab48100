using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace Chat.Host.Transport;

/// Kestrel's transport for TCP endpoints when the held-poll path is on: it accepts as Kestrel's socket transport does
/// (same listen socket, backlog, no-delay), and gives each connection to the path as a <see cref="LeanConnection"/>, a
/// socket and little else. Kestrel's socket connection, with its pipes and loops (~3.8 kB), is made only for a
/// connection the path hands on. Other endpoints (a Unix socket, a handle) stay with Kestrel's socket transport.
public sealed class LeanTransport : IConnectionListenerFactory, IConnectionListenerFactorySelector, IDisposable
{
    private readonly SocketTransportOptions _options;
    private readonly SocketConnectionContextFactory _kestrel;
    private readonly Epoll _epoll = new();

    public LeanTransport(IOptions<SocketTransportOptions> options, ILoggerFactory logs)
    {
        _options = options.Value;
        _kestrel = new(new SocketConnectionFactoryOptions
        {
            IOQueueCount = _options.IOQueueCount,
            WaitForDataBeforeAllocatingBuffer = _options.WaitForDataBeforeAllocatingBuffer,
            MaxReadBufferSize = _options.MaxReadBufferSize,
            MaxWriteBufferSize = _options.MaxWriteBufferSize,
            UnsafePreferInlineScheduling = _options.UnsafePreferInlineScheduling,
        }, logs.CreateLogger("Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets"));
    }

    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

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
        return new(new Listener(socket, this));
    }

    public void Dispose()
    {
        _kestrel.Dispose();
        _epoll.Dispose();
    }

    private sealed class Listener(Socket socket, LeanTransport transport) : IConnectionListener
    {
        public EndPoint EndPoint { get; } = socket.LocalEndPoint!;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            while (true)
            {
                try
                {
                    var accepted = await socket.AcceptAsync(cancellationToken);
                    accepted.NoDelay = transport._options.NoDelay;
                    return new LeanConnection(accepted, transport._epoll, transport._kestrel);
                }
                catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException
                    || e is SocketException { SocketErrorCode: SocketError.OperationAborted })
                {
                    return null; // unbound: no more connections
                }
                catch (SocketException)
                {
                    // reset while in the backlog: the next one
                }
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            socket.Dispose();
            return default;
        }

        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return default;
        }
    }
}
