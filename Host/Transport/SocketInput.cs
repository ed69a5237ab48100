using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using Microsoft.AspNetCore.Connections;

namespace Chat.Host.Transport;

/// A connection's bytes as the held-poll path reads them, from its socket itself: a zero-byte receive waits for data,
/// then a non-blocking receive takes what came into a pooled buffer, given back once every byte is consumed. So an
/// idle or held connection keeps no buffer, no pipe and no receive loop.
public sealed class SocketInput : PipeReader, IValueTaskSource<ReadResult>
{
    private const int Size = 4096; // a poll's head, headers and all, fits; a bigger one goes to Kestrel (half a head)

    private readonly Socket _socket;
    private readonly Readiness _readiness;
    private ManualResetValueTaskSourceCore<ReadResult> _source;
    private byte[]? _buffer;
    private int _start, _end;
    private bool _examined, _fin, _posted;

    /// Set by whichever of a pending read, the readiness and <see cref="CancelPendingRead"/> comes first; the one that
    /// takes <see cref="_waiting"/> back completes the read.
    private int _waiting, _cancel;
    private volatile bool _ready;

    public SocketInput(Socket socket)
    {
        _socket = socket;
        _readiness = new Readiness(this);
        _readiness.SetBuffer(Memory<byte>.Empty);
        _source.RunContinuationsAsynchronously = false; // as Kestrel's inline pipe: the read continues where it completes
    }

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
        _readiness.Dispose();
    }

    /// The bytes read but not consumed, taken: Kestrel's HTTP reads them first when the connection is handed to it.
    public byte[] TakeUnread()
    {
        var unread = _buffer is null ? [] : _buffer.AsSpan(_start, _end - _start).ToArray();
        Release();
        return unread;
    }

    private bool Unexamined => _end > _start && !_examined;

    private ReadOnlySequence<byte> Buffered => _buffer is null ? ReadOnlySequence<byte>.Empty : new(_buffer, _start, _end - _start);

    /// A read's result if there is one now: a cancel, bytes not yet examined, the end; otherwise waits for data
    /// (false), with a zero-byte receive posted.
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
            if (_ready)
            {
                _ready = _posted = false;
                Receive();
                continue;
            }
            if (_posted) return false;
            _posted = true;
            if (Post()) return false;
            _ready = true; // data (or the end, or an error) already there
        }
        result = new(Buffered, isCanceled: false, _fin);
        return true;
    }

    /// After the zero-byte receive completed: what the socket holds now, without waiting. A full buffer is returned as
    /// it is, for the path to hand on.
    private void Receive()
    {
        if (_readiness.SocketError != SocketError.Success) throw Failed(_readiness.SocketError);
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
        if (error == SocketError.WouldBlock) return; // woken for nothing: wait again
        if (error != SocketError.Success) throw Failed(error);
        if (received == 0) _fin = true;
        _end += received;
        if (_start == _end && !_fin) Release();
    }

    /// Posts the zero-byte receive; false when it completed at once.
    private bool Post()
    {
        try
        {
            return _socket.ReceiveAsync(_readiness);
        }
        catch (ObjectDisposedException)
        {
            throw new ConnectionAbortedException(); // closed by an abort
        }
    }

    private static Exception Failed(SocketError error) => error is SocketError.OperationAborted or SocketError.Shutdown or SocketError.Interrupted
        ? new ConnectionAbortedException() : new ConnectionResetException(error.ToString(), new SocketException((int)error));

    private void Release()
    {
        if (_buffer is { } buffer) ArrayPool<byte>.Shared.Return(buffer);
        _buffer = null;
        _start = _end = 0;
    }

    /// The read waits; true when the readiness or a cancel came meanwhile and the turn is back with the caller.
    private bool Arm()
    {
        Volatile.Write(ref _waiting, 1);
        return (_ready || Volatile.Read(ref _cancel) == 1) && Interlocked.Exchange(ref _waiting, 0) == 1;
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

    /// The zero-byte receive completed; whoever takes the turn receives (and clears <see cref="_posted"/>).
    private void Ready()
    {
        _ready = true;
        if (Interlocked.Exchange(ref _waiting, 0) == 1) Resume();
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _source.GetResult(token);
    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _source.GetStatus(token);
    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _source.OnCompleted(continuation, state, token, flags);

    /// The zero-byte receive: completes when the socket has data, the end, or an error, and holds no buffer meanwhile.
    private sealed class Readiness(SocketInput input) : SocketAsyncEventArgs(unsafeSuppressExecutionContextFlow: true)
    {
        protected override void OnCompleted(SocketAsyncEventArgs e) => input.Ready();
    }
}
