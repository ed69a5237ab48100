using System.Buffers;
using System.IO.Pipelines;

namespace Chat.Host.Transport;

/// What Kestrel's HTTP reads of a connection the path handed on: the bytes the path read and did not consume, then the
/// socket's, from the pipe of Kestrel's own transport. Once those first bytes are consumed it is that pipe, as is.
public sealed class HandedInput(byte[] unread, PipeReader socket) : PipeReader
{
    private byte[]? _unread = unread;
    private int _start;
    private bool _examined, _completed;

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
        _unread is null ? socket.ReadAsync(cancellationToken)
        : !_examined ? new(Unread(canceled: false))
        : MoreAsync(cancellationToken);

    public override bool TryRead(out ReadResult result)
    {
        if (_unread is null) return socket.TryRead(out result);
        result = default;
        if (_examined) // the caller asked for more than the unread bytes
        {
            if (!socket.TryRead(out var more)) return false;
            if (more.IsCanceled)
            {
                result = Unread(canceled: true);
                return true;
            }
            Append(more);
        }
        result = Unread(canceled: false);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (_unread is null)
        {
            socket.AdvanceTo(consumed, examined);
            return;
        }
        _start = consumed.GetInteger();
        _examined = examined.GetInteger() == _unread.Length;
        if (_start == _unread.Length) _unread = null; // all consumed: from now on the socket's pipe alone
    }

    public override void CancelPendingRead() => socket.CancelPendingRead();

    public override void Complete(Exception? exception = null) => socket.Complete(exception);

    /// The caller examined every unread byte and waits for more: the socket's next bytes, copied behind them (only a
    /// request cut where the path handed it on takes this way, and only until its first bytes are consumed).
    private async ValueTask<ReadResult> MoreAsync(CancellationToken cancellationToken)
    {
        var more = await socket.ReadAsync(cancellationToken);
        if (more.IsCanceled) return Unread(canceled: true);
        Append(more);
        return Unread(canceled: false);
    }

    /// Appends what the socket's pipe returned, and consumes it there.
    private void Append(ReadResult more)
    {
        var whole = new byte[_unread!.Length - _start + more.Buffer.Length];
        _unread.AsSpan(_start).CopyTo(whole);
        more.Buffer.CopyTo(whole.AsSpan(_unread.Length - _start));
        socket.AdvanceTo(more.Buffer.End);
        (_unread, _start, _examined, _completed) = (whole, 0, false, more.IsCompleted);
    }

    private ReadResult Unread(bool canceled) => new(new ReadOnlySequence<byte>(_unread!, _start, _unread!.Length - _start), canceled, _completed);
}
