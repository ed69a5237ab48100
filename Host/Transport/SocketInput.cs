using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using Microsoft.AspNetCore.Connections;

namespace Chat.Host.Transport;

/// A connection's bytes as the held-poll path reads them, from its socket itself: the path's epoll set says when data
/// came, then a non-blocking receive takes it into a pooled buffer, given back once every byte is consumed. So an
/// idle or held connection keeps no buffer, no pipe and no receive loop.
public sealed class SocketInput : PipeReader, IValueTaskSource<ReadResult>, IThreadPoolWorkItem
{
    private const int Size = 4096; // a poll's head, headers and all, fits; a bigger one goes to Kestrel (half a head)

    private readonly Socket _socket;
    private readonly Epoll _epoll;
    private ManualResetValueTaskSourceCore<ReadResult> _source;
    private byte[]? _buffer;
    private int _start, _end;
    private bool _examined, _fin;

    /// Set by whichever of a pending read, the readiness and <see cref="CancelPendingRead"/> comes first; the one that
    /// takes <see cref="_waiting"/> back completes the read.
    private int _waiting, _cancel;
    private volatile bool _ready; // the epoll set reports data that came before the socket joined it

    /// The peer's FIN (or a reset) is queued behind whatever data came with it: no later wake will say so, since
    /// wakes are edge-triggered, so every read receives from then on until it meets the end.
    private volatile bool _ended;

    public SocketInput(Socket socket, Epoll epoll)
    {
        _socket = socket;
        _epoll = epoll;
        _source.RunContinuationsAsynchronously = false; // as Kestrel's inline pipe: the read continues where it completes
        epoll.Register(socket, this);
    }

    /// This reader's slot in the epoll set.
    public long Key { get; internal set; }

    /// The path's loop reading this connection, which the transport's heartbeat and stop visit; none once handed on.
    public HeldPollConnection? Loop { get; set; }

    /// The path passes no token: a wait ends with <see cref="CancelPendingRead"/>, as its heartbeat and its held polls do.
    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (TryTake(out var result)) return new(result);
            _source.Reset();
            if (!Arm()) return new(this, _source.Version);
        }
    }

    public override bool TryRead(out ReadResult result)
    {
        result = default;
        return (Volatile.Read(ref _cancel) == 1 || Unexamined || _fin) && TryTake(out result);
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (_buffer is null) return;
        _start = consumed.GetInteger();
        _examined = examined.GetInteger() == _end;
        if (_start == _end) Release();
    }

    public override void CancelPendingRead()
    {
        Volatile.Write(ref _cancel, 1);
        if (Interlocked.Exchange(ref _waiting, 0) == 1) Resume();
    }

    public override void Complete(Exception? exception = null)
    {
        Release();
        _epoll.Unregister(Key, open: null);
    }

    /// The bytes read but not consumed, taken, and the socket out of the path's epoll set: Kestrel's HTTP reads these
    /// first when the connection is handed to it, then the socket's through .NET's socket engine.
    public byte[] TakeUnread()
    {
        _epoll.Unregister(Key, open: _socket);
        var unread = _buffer is null ? [] : _buffer.AsSpan(_start, _end - _start).ToArray();
        Release();
        return unread;
    }

    /// The socket was closed here, and left the epoll set without a word: the pending read ends on the thread pool,
    /// not on the closing thread.
    public void Wake() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

    void IThreadPoolWorkItem.Execute() => Ready(ended: true);

    private bool Unexamined => _end > _start && !_examined;

    private ReadOnlySequence<byte> Buffered => _buffer is null ? ReadOnlySequence<byte>.Empty : new(_buffer, _start, _end - _start);

    /// A read's result if there is one now: a cancel, bytes not yet examined, the end; otherwise waits for data
    /// (false).
    private bool TryTake(out ReadResult result)
    {
        result = default;
        if (Interlocked.Exchange(ref _cancel, 0) == 1)
        {
            result = new(Buffered, isCanceled: true, _fin);
            return true;
        }
        while (!Unexamined && !_fin)
        {
            if (!_ready && !_ended) return false;
            _ready = false;
            Receive();
        }
        result = new(Buffered, isCanceled: false, _fin);
        return true;
    }

    /// After a wake: what the socket holds now, without waiting. A full buffer is returned as it is, for the path to
    /// hand on.
    private void Receive()
    {
        _buffer ??= ArrayPool<byte>.Shared.Rent(Size);
        if (_end == _buffer.Length && _start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            (_start, _end) = (0, _end - _start);
        }
        _examined = false;
        if (_end == _buffer.Length) return;
        int received;
        SocketError error;
        try
        {
            received = _socket.Receive(_buffer.AsSpan(_end), SocketFlags.None, out error);
        }
        catch (ObjectDisposedException)
        {
            throw new ConnectionAbortedException(); // closed by an abort
        }
        if (error == SocketError.WouldBlock)
        {
            _ended = false; // nothing queued, not even an end: wait for the next wake
            if (_start == _end) Release(); // and with no buffer
            return;
        }
        if (error != SocketError.Success) throw Failed(error);
        if (received == 0) _fin = true;
        else if (_end + received == _buffer.Length) _ready = true; // maybe more: edge-triggered, no new wake for it
        _end += received;
        if (_start == _end && !_fin) Release();
    }

    private static Exception Failed(SocketError error) => error is SocketError.OperationAborted or SocketError.Shutdown or SocketError.Interrupted
        ? new ConnectionAbortedException() : new ConnectionResetException(error.ToString(), new SocketException((int)error));

    private void Release()
    {
        if (_buffer is { } buffer) ArrayPool<byte>.Shared.Return(buffer);
        _buffer = null;
        _start = _end = 0;
    }

    /// The read waits; true when the readiness or a cancel came meanwhile and the turn is back with the caller. A full
    /// fence between the store and the loads: a plain store may pass them (x86 too), and then neither this thread sees
    /// the readiness nor the readiness's thread sees the wait, and the request sits unread.
    private bool Arm()
    {
        Interlocked.Exchange(ref _waiting, 1);
        return (_ready || _ended || Volatile.Read(ref _cancel) == 1) && Interlocked.Exchange(ref _waiting, 0) == 1;
    }

    /// Completes the waiting read, from the readiness's thread or a cancel's.
    private void Resume()
    {
        while (true)
        {
            try
            {
                if (TryTake(out var result))
                {
                    _source.SetResult(result);
                    return;
                }
            }
            catch (Exception e)
            {
                _source.SetException(e);
                return;
            }
            if (!Arm()) return;
        }
    }

    /// Data, the end or an error came (the epoll thread, which runs a waiting read's continuation: the path parses and
    /// holds the poll there, as nchan's one loop does), or the socket closed; whoever takes the turn receives.
    public void Ready(bool ended)
    {
        if (ended) _ended = true;
        _ready = true;
        if (Interlocked.Exchange(ref _waiting, 0) == 1) Resume();
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _source.GetResult(token);
    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _source.GetStatus(token);
    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _source.OnCompleted(continuation, state, token, flags);
}
