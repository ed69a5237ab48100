using System.IO.Pipelines;
using System.Net.Sockets;
using Chat.Core.Room;
using Chat.Host.Endpoints;
using Chat.Host.Rooms;

namespace Chat.Host.Transport;

/// A poll held in its room for this connection, and how its answer goes out: from the thread that completes it when it
/// can (a fan-out's bytes, one send), by the connection's loop otherwise, never out of order.
public sealed partial class HeldPollConnection
{
    /// The poll held in its room (<see cref="_held"/>), as its answer goes: none held (the loop writes), held, being
    /// sent by the room's thread, left for the loop to write (<see cref="_pending"/>), held with bytes behind it (the
    /// loop waits for <see cref="_answered"/> and writes the answer itself, in order), or the connection closed.
    private int _hold;

    private const int Free = 0, Held = 1, Sending = 2, Pending = 3, Waiting = 4, Closed = 5;
    private HeldPoll? _held;
    private (HeldPoll Poll, Outcome Outcome, ReadOnlyMemory<byte> Unsent)? _pending;
    private TaskCompletionSource? _answered;
    private readonly Lock _gate = new();

    /// The poll waits in its room, as this connection's one exchange there; the loop reads on meanwhile, to hear a
    /// hang-up at once.
    Exchange IHolder.Hold(RoomLoop room, Want want, Seat? seat)
    {
        var held = new HeldPoll(room, want, seat, this, _polls!, _head.Close, _head.Head);
        _held = held;
        Volatile.Write(ref _hold, Held);
        return held;
    }

    /// The room completed the held poll. Messages for a connection that stays open are the fan-out's bytes, sent here
    /// without a hop to another thread; anything else (or what the socket did not take) the loop writes.
    internal void Answered(HeldPoll held, Outcome outcome)
    {
        if (outcome is Outcome.Messages m && !held.Close && !held.Head && !Listener.Stopping
            && Interlocked.CompareExchange(ref _hold, Sending, Held) == Held)
        {
            var bytes = Bytes(held.Polls.Answer(m, held.Loop.Name)!.Render(this), close: false, body: true);
            var sent = Send(bytes);
            if (sent == bytes.Length)
            {
                Interlocked.CompareExchange(ref _idleSince, Environment.TickCount64, Busy); // idle from the answer on
                Interlocked.CompareExchange(ref _hold, Free, Sending);
                return;
            }
            Park(held, outcome, bytes.AsMemory(sent));
            return;
        }
        Park(held, outcome, default);
    }

    /// What the socket takes now, without waiting: a client that reads slowly gets the rest from the loop.
    private int Send(ReadOnlySpan<byte> bytes)
    {
        try
        {
            var sent = connection.Socket.Send(bytes, SocketFlags.None, out var error);
            return error == SocketError.Success ? sent : Math.Max(sent, 0);
        }
        catch (ObjectDisposedException)
        {
            return 0; // closed meanwhile: the loop has ended
        }
    }

    /// Leaves the answer (or its rest) to the loop and wakes it: a loop waiting with bytes behind the poll at once, one
    /// reading by cancelling its read, from the thread pool (the read's continuation runs inline, and must not run on
    /// the room's thread). The loop takes the answer only at that cancelled read, so none is left for Kestrel's reads.
    private void Park(HeldPoll held, Outcome outcome, ReadOnlyMemory<byte> unsent)
    {
        TaskCompletionSource? answered;
        lock (_gate)
        {
            if (_hold == Closed) return;
            answered = _hold == Waiting ? _answered : null;
            _pending = (held, outcome, unsent);
            _hold = Pending;
        }
        if (answered is not null) answered.SetResult();
        else ThreadPool.UnsafeQueueUserWorkItem(static input => input.CancelPendingRead(), connection.Input, preferLocal: false);
    }

    /// A read that returned while a poll is held: its answer to write, the hang-up (a FIN too, as on Kestrel's path),
    /// or bytes that wait until the poll is answered; false when the connection ends.
    private async ValueTask<bool> WhileHeldAsync(ReadResult read)
    {
        var input = connection.Input;
        var spin = new SpinWait();
        while (true)
        {
            var hold = Volatile.Read(ref _hold);
            if (hold == Sending)
            {
                spin.SpinOnce(sleep1Threshold: -1); // never a 1 ms sleep: this is the epoll thread, which reads every poll
                continue;
            }
            if (hold == Free || (hold == Pending && read.IsCanceled))
            {
                input.AdvanceTo(read.Buffer.Start); // the bytes are the next request's
                return hold == Free || await WritePendingAsync();
            }
            if (read.IsCompleted) return false;
            input.AdvanceTo(read.Buffer.Start); // nothing examined: the same bytes come back with the next read
            if (!read.Buffer.IsEmpty)
            {
                // Bytes behind the poll wait for its answer, which the room then leaves to the loop; or its wake is
                // on its way, to be taken before the bytes are read.
                if (WaitForAnswer() is { } answered)
                {
                    await answered;
                    return await WritePendingAsync();
                }
                if (hold == Pending) await Task.Yield();
            }
            read = await input.ReadAsync(); // the answer's wake, or the hang-up
        }
    }

    private Task? WaitForAnswer()
    {
        lock (_gate)
        {
            if (_hold != Held) return null;
            _hold = Waiting;
            return (_answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    private async ValueTask<bool> WritePendingAsync()
    {
        (HeldPoll Poll, Outcome Outcome, ReadOnlyMemory<byte> Unsent) pending;
        lock (_gate)
        {
            pending = _pending!.Value;
            _pending = null;
            _hold = Free;
        }
        var (held, outcome, rest) = pending;
        if (!rest.IsEmpty) return await SendAsync(rest);
        outcome = (await LongPoll.ReadOlderAsync(outcome, held.Loop, shared.Store))!;
        return await WriteAsync(held.Polls.Answer(outcome, held.Loop.Name), held.Close, held.Head);
    }

    /// The connection ends: a poll still held is let go in its room at once (seed: `async_on_peer_reset`).
    private void Close()
    {
        HeldPoll? held;
        lock (_gate)
        {
            held = _hold is Held or Waiting ? _held : null;
            _hold = Closed;
            _pending = null;
        }
        held?.Abandon();
    }
}
