using System.Collections;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Chat.Host.Transport;

/// A connection accepted by <see cref="LeanTransport"/>: its socket, read by the held-poll path (<see cref="Input"/>)
/// with nothing of Kestrel's transport behind it. The first time anything asks for its <see cref="Transport"/> (the
/// path handing it to Kestrel's HTTP, or TLS), Kestrel's own socket connection is made for it, and the bytes the path
/// read but did not consume are read first. From then on the connection is Kestrel's.
public sealed class LeanConnection : ConnectionContext, IFeatureCollection, IConnectionIdFeature, IConnectionTransportFeature,
    IConnectionItemsFeature, IConnectionEndPointFeature, IConnectionLifetimeFeature, IConnectionSocketFeature
{
    private static long _ids = DateTime.UtcNow.Ticks;
    private readonly LeanTransport _origin; // the transport that accepted it
    private ConnectionContext? _handed;
    private IDuplexPipe? _transport;
    private string? _id;
    private IDictionary<object, object?>? _items;
    private CancellationToken _closed;

    /// Features set by Kestrel (its heartbeat, stop and metrics), a handful: a few pairs, not a dictionary.
    private KeyValuePair<Type, object?>[] _others = [];
    private int _count, _revision;

    public LeanConnection(Socket socket, LeanTransport transport)
    {
        Socket = socket;
        socket.Blocking = false; // a send from the room's thread never waits, nor does a receive
        Input = new SocketInput(socket, transport.Epoll);
        _origin = transport;
    }

    public Socket Socket { get; }

    /// The socket's bytes for the path, until the connection is handed on.
    public SocketInput Input { get; }

    public override string ConnectionId
    {
        get => _id ??= NextId();
        set => _id = value;
    }

    public override IFeatureCollection Features => this;

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new Dictionary<object, object?>();
        set => _items = value;
    }

    public override IDuplexPipe Transport
    {
        get => _transport ??= Hand();
        set => _transport = value;
    }

    public override EndPoint? LocalEndPoint
    {
        get => Socket.LocalEndPoint;
        set { }
    }

    public override EndPoint? RemoteEndPoint
    {
        get => Socket.RemoteEndPoint;
        set { }
    }

    public override CancellationToken ConnectionClosed
    {
        get => _handed?.ConnectionClosed ?? _closed;
        set => _closed = value;
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        if (_handed is { } handed) handed.Abort(abortReason);
        else Close(); // the path's pending read ends with ConnectionAbortedException
    }

    public override async ValueTask DisposeAsync()
    {
        if (_handed is { } handed)
        {
            await handed.DisposeAsync();
            _origin.Closed();
        }
        else Close();
        Input.Complete();
    }

    private void Close()
    {
        try
        {
            Socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // already reset by the client
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        Socket.Dispose();
        _origin.Closed();
        Input.Wake(); // a closed socket left the epoll set without a word: the path's pending read ends here
    }

    /// An id shaped as Kestrel's (13 characters of base 32 from a counter started at the clock's ticks), so logs and
    /// trace ids read the same whichever transport accepted the connection.
    private static string NextId() => string.Create(13, Interlocked.Increment(ref _ids), static (chars, id) =>
    {
        const string digits = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
        for (var i = 12; i >= 0; i--, id >>= 5) chars[i] = digits[(int)(id & 31)];
    });

    /// Kestrel's socket connection for this socket, reading first what the path left unconsumed.
    private IDuplexPipe Hand()
    {
        var unread = Input.TakeUnread(); // first out of the path's epoll set, then into .NET's socket engine
        var handed = _handed = _origin.Kestrel.Create(Socket);
        var input = unread.Length == 0 ? handed.Transport.Input : new HandedInput(unread, handed.Transport.Input);
        return new Duplex(input, handed.Transport.Output);
    }

    private sealed record Duplex(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    // The feature collection: the connection's own features, Kestrel's few, and once handed those of its connection.

    bool IFeatureCollection.IsReadOnly => false;
    int IFeatureCollection.Revision => _revision;

    object? IFeatureCollection.this[Type key]
    {
        get
        {
            var at = IndexOf(key);
            return at >= 0 ? _others[at].Value : key.IsInstanceOfType(this) && key != typeof(object) ? this : _handed?.Features[key];
        }
        set
        {
            _revision++;
            var at = IndexOf(key);
            if (at < 0)
            {
                if (_count == _others.Length) Array.Resize(ref _others, Math.Max(4, _count * 2));
                at = _count++;
            }
            _others[at] = new(key, value);
        }
    }

    TFeature? IFeatureCollection.Get<TFeature>() where TFeature : default => (TFeature?)((IFeatureCollection)this)[typeof(TFeature)];

    void IFeatureCollection.Set<TFeature>(TFeature? instance) where TFeature : default => ((IFeatureCollection)this)[typeof(TFeature)] = instance;

    private int IndexOf(Type key)
    {
        for (var i = 0; i < _count; i++) if (_others[i].Key == key) return i;
        return -1;
    }

    IEnumerator<KeyValuePair<Type, object>> IEnumerable<KeyValuePair<Type, object>>.GetEnumerator() =>
        _others.Take(_count).Where(pair => pair.Value is not null).Select(pair => new KeyValuePair<Type, object>(pair.Key, pair.Value!)).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable<KeyValuePair<Type, object>>)this).GetEnumerator();
}
