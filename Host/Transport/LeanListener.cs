using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;

namespace Chat.Host.Transport;

/// One endpoint bound by <see cref="LeanTransport"/>: it accepts each connection and runs it on the path
/// (<see cref="HeldPollConnection"/>). Kestrel's accept loop (<see cref="AcceptAsync"/>) gets only the connections the
/// path hands on, so a connection that only polls costs Kestrel nothing.
public sealed class LeanListener : IConnectionListener
{
    private readonly Socket _socket;
    private readonly LeanTransport _transport;
    private readonly TransportPath.Shared _shared;
    private readonly Channel<ConnectionContext> _handed = Channel.CreateUnbounded<ConnectionContext>(new() { SingleReader = true });
    private readonly Task _accepting;
    private int _running;
    private volatile bool _stopping;

    public LeanListener(Socket socket, LeanTransport transport, TransportPath.Shared shared)
    {
        (_socket, _transport, _shared) = (socket, transport, shared);
        EndPoint = socket.LocalEndPoint!;
        using (ExecutionContext.SuppressFlow()) _accepting = Task.Run(AcceptLoopAsync); // nothing of the start flows on
    }

    public EndPoint EndPoint { get; }

    /// The server is stopping: an answer goes out with `Connection: close`, and no request is read after it.
    public bool Stopping => _stopping;

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync();
            }
            catch (Exception e) when (e is ObjectDisposedException || e is SocketException { SocketErrorCode: SocketError.OperationAborted })
            {
                return; // unbound: no more connections
            }
            catch (SocketException)
            {
                continue; // reset while in the backlog: the next one
            }
            accepted.NoDelay = _transport.NoDelay;
            if (!_transport.Admit())
            {
                accepted.Dispose();
                continue;
            }
            Interlocked.Increment(ref _running);
            var lean = new LeanConnection(accepted, _transport);
            var connection = lean.Input.Loop = new HeldPollConnection(lean, _shared, this);
            ThreadPool.UnsafeQueueUserWorkItem(static connection => _ = connection.RunAsync(), connection, preferLocal: false);
        }
    }

    /// Gives Kestrel's accept loop a connection the path does not serve; false once the listener is unbound.
    public bool HandOn(LeanConnection connection) => _handed.Writer.TryWrite(connection);

    /// A connection's run on the path ended (closed, or handed on).
    public void Ended() => Interlocked.Decrement(ref _running);

    /// A run failed with what the path does not expect: logged as Kestrel logs a connection's failure.
    public void Failed(Exception e, string connectionId) => _transport.LogFailed(e, connectionId);

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (await _handed.Reader.WaitToReadAsync(cancellationToken))
            if (_handed.Reader.TryRead(out var connection)) return connection;
        return null; // unbound, and every connection handed on so far taken
    }

    /// As Kestrel stops its own connections: each ends once its answer is out, an idle one at once, and what is left
    /// at the shutdown timeout is aborted. Kestrel's accept loop ends after them, so a hand-off meanwhile still lands.
    public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _socket.Dispose();
        await _accepting;
        _stopping = true;
        Each(static connection => connection.Tick(stopping: true));
        while (Volatile.Read(ref _running) > 0 && !cancellationToken.IsCancellationRequested) await Task.Delay(20, CancellationToken.None);
        Each(static connection => connection.Abort());
        _handed.Writer.TryComplete();
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        Each(static connection => connection.Abort());
        _handed.Writer.TryComplete();
        return default;
    }

    private void Each(Action<HeldPollConnection> visit) =>
        _transport.Epoll.Each(input => { if (input.Loop is { } loop && loop.Listener == this) visit(loop); });
}
