using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Chat.Core.Room;
using Chat.Host.Auth;
using Chat.Host.Endpoints;
using Chat.Host.Rooms;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Chat.Host.Transport;

/// One connection on the held-poll path: read a request head (consuming nothing yet), answer a poll, repeat.
/// Whatever else arrives (another route, a header it does not treat, half a head, TLS, HTTP/2) goes with the
/// connection, unread, to Kestrel's HTTP, which then keeps it. While a poll is held this object is all the
/// connection costs above Kestrel's transport.
public sealed class HeldPollConnection(ConnectionContext connection, TransportPath.Shared shared) : IAsked, IHolder
{
    private static readonly byte[] CloseLine = "Connection: close\r\n"u8.ToArray(), EndOfHead = "\r\n"u8.ToArray();
    private readonly RequestHead _head = new();
    private readonly Socket _socket = NonBlocking(connection.Features.Get<IConnectionSocketFeature>()!.Socket);
    private readonly Lock _gate = new();
    private CancellationToken _closing;
    private int _requests;
    private IPAddress? _address;
    private LongPoll? _polls;

    /// Waiting for a request (the keep-alive timeout and a stopping server end the wait) since this tick count;
    /// <see cref="Busy"/>; <see cref="Ended"/> once <see cref="Tick"/> ended the wait.
    private long _idleSince = Busy;

    private const long Busy = -1, Ended = -2;

    /// The poll held in its room (<see cref="_held"/>), as its answer goes: none held (the loop writes), held, being
    /// sent by the room's thread, left for the loop to write (<see cref="_pending"/>), held with bytes behind it (the
    /// loop waits for <see cref="_answered"/> and writes the answer itself, in order), or the connection closed.
    private int _hold;

    private const int Free = 0, Held = 1, Sending = 2, Pending = 3, Waiting = 4, Closed = 5;
    private HeldPoll? _held;
    private (HeldPoll Poll, Outcome Outcome, ReadOnlyMemory<byte> Unsent)? _pending;
    private TaskCompletionSource? _answered;

    public async Task RunAsync(ConnectionDelegate next)
    {
        var input = connection.Transport.Input;
        var closing = _closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? default;
        connection.Features.Get<IConnectionHeartbeatFeature>()?.OnHeartbeat(static self => ((HeldPollConnection)self).Tick(), this);
        using var stop = closing.UnsafeRegister(static self => ((HeldPollConnection)self!).Tick(stopping: true), this);
        try
        {
            while (!closing.IsCancellationRequested)
            {
                if (Volatile.Read(ref _hold) == Free) Volatile.Write(ref _idleSince, Environment.TickCount64);
                var read = await input.ReadAsync();
                // Idle too long or stopping (even if a request came meanwhile: its read may yet be cancelled).
                if (Interlocked.Exchange(ref _idleSince, Busy) == Ended) return;
                if (Volatile.Read(ref _hold) != Free)
                {
                    if (!await WhileHeldAsync(read)) return;
                    continue;
                }
                var buffer = read.Buffer;
                if (read.IsCanceled)
                {
                    input.AdvanceTo(buffer.Start); // a held poll's wake, after the loop wrote its answer anyway
                    continue;
                }
                if (buffer.IsEmpty && read.IsCompleted) return;
                if (_requests > 0 && Preface(buffer) is { } whole)
                {
                    if (whole)
                    {
                        await SendAsync(Bytes(HttpVersionNotSupported, close: true, body: false));
                        return;
                    }
                    input.AdvanceTo(buffer.Start, buffer.End); // maybe the preface: wait for the rest of its line
                    continue;
                }
                if (!_head.TryParse(shared.Parser, buffer, out var end) || _head.Unhandled || Target.Read(_head.Path, _head.Query, shared.MaxBatch) is not { } poll)
                {
                    input.AdvanceTo(buffer.Start); // nothing consumed: Kestrel reads the same bytes
                    await next(connection);
                    return;
                }
                input.AdvanceTo(end);
                if (!await AskAsync(poll)) return;
            }
        }
        catch (Exception e) when (e is ConnectionResetException or ConnectionAbortedException)
        {
            // The client reset the connection (it hung up, as with a FIN), or Kestrel aborted it: its transport logs
            // either at Debug.
        }
        finally
        {
            Close();
        }
    }

    /// Asks the room as the route does, and writes the answer, or leaves it to the poll held; false when the
    /// connection ends with it.
    private async Task<bool> AskAsync(Target poll)
    {
        _requests++;
        _address = _head.ForwardedFor is null && _head.ForwardedProto is null && _head.ForwardedHost is null ? connection.RemoteEndPoint switch
        {
            IPEndPoint ip => ip.Address,
            _ => null,
        } : Forwarded();
        var polls = _polls = poll.Batch ? shared.Polls.Batch : shared.Polls.Get;
        var asker = new Asker(ClientKey.Of(_head.ClientId ?? poll.Client, _address), _address);
        var outcome = await polls.AskAsync(poll.Room, poll.Want, Bearer.FromAuthorization(_head.Authorization), asker, default, holder: this);
        return outcome is Outcome.Held || await WriteAsync(polls.Answer(outcome, poll.Room), _head.Close, _head.Head);
    }

    /// Renders and sends an answer; false when the connection ends with it (null: the client hung up).
    private async ValueTask<bool> WriteAsync(Answer? answer, bool close, bool head)
    {
        if (answer is null) return false;
        close |= _closing.IsCancellationRequested;
        return await SendAsync(Bytes(answer.Render(this), close, body: !head)) && !close;
    }

    /// Sends on the socket itself, as the room's thread does, and whole before the loop reads on: nothing sent later
    /// can pass it (Kestrel's output pipe would send it later, from its own loop). False when the client is gone.
    private async ValueTask<bool> SendAsync(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            await _socket.SendAsync(bytes, SocketFlags.None);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

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
        if (outcome is Outcome.Messages m && !held.Close && !held.Head && !_closing.IsCancellationRequested
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
    private int Send(byte[] bytes)
    {
        try
        {
            var sent = _socket.Send(bytes, SocketFlags.None, out var error);
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
        else ThreadPool.UnsafeQueueUserWorkItem(static input => input.CancelPendingRead(), connection.Transport.Input, preferLocal: false);
    }

    /// A read that returned while a poll is held: its answer to write, the hang-up (a FIN too, as on Kestrel's path),
    /// or bytes that wait until the poll is answered; false when the connection ends.
    private async ValueTask<bool> WhileHeldAsync(ReadResult read)
    {
        var input = connection.Transport.Input;
        var spin = new SpinWait();
        while (true)
        {
            var hold = Volatile.Read(ref _hold);
            if (hold == Sending)
            {
                spin.SpinOnce();
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

    private static Socket NonBlocking(Socket socket)
    {
        socket.Blocking = false; // a send from the room's thread never waits (Kestrel's are async)
        return socket;
    }

    /// The rendered head (its bytes made once however many connections it answers), `Date`, and the body: the same
    /// bytes for every connection a fan-out answers that keeps open and asked `GET`.
    private byte[] Bytes(Rendered rendered, bool close, bool body)
    {
        var date = DateLine.Now(shared.Clock);
        if (!close && body) return rendered.WithDate(date);
        var bytes = new byte[rendered.Head.Length + (close ? CloseLine.Length : 0) + date.Length + EndOfHead.Length + (body ? rendered.Body.Length : 0)];
        var at = bytes.AsSpan();
        foreach (var part in (ReadOnlySpan<byte[]>)[rendered.Head, close ? CloseLine : [], date, EndOfHead])
        {
            part.CopyTo(at);
            at = at[part.Length..];
        }
        if (body) rendered.Body.Span.CopyTo(at);
        return bytes;
    }

    /// Whether the bytes start HTTP/2's preface line: all of it (true), so far (false), or not (null).
    private static bool? Preface(ReadOnlySequence<byte> buffer)
    {
        ReadOnlySpan<byte> line = "PRI * HTTP/2.0\r\n"u8;
        Span<byte> start = stackalloc byte[line.Length];
        var length = (int)Math.Min(buffer.Length, line.Length);
        buffer.Slice(0, length).CopyTo(start);
        return !start[..length].SequenceEqual(line[..length]) ? null : length == line.Length;
    }

    private static readonly Rendered HttpVersionNotSupported = new(505, [], ReadOnlyMemory<byte>.Empty);

    /// The address as the forwarded-headers middleware makes it, given this request's `X-Forwarded-*`.
    private IPAddress? Forwarded()
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        http.Connection.RemotePort = (connection.RemoteEndPoint as IPEndPoint)?.Port ?? 0;
        var headers = http.Request.Headers;
        if (_head.ForwardedFor is { } forwardedFor) headers["X-Forwarded-For"] = forwardedFor;
        if (_head.ForwardedProto is { } proto) headers["X-Forwarded-Proto"] = proto;
        if (_head.ForwardedHost is { } host) headers["X-Forwarded-Host"] = host;
        shared.Forwarded.ApplyForwarders(http);
        return http.Connection.RemoteIpAddress;
    }

    /// Each second (Kestrel's heartbeat), and when the server stops: a connection waiting for its next request past
    /// the keep-alive timeout, or while the server stops, is closed, as Kestrel closes its own.
    private void Tick(bool stopping = false)
    {
        var since = Volatile.Read(ref _idleSince);
        if (since >= 0 && (stopping || Environment.TickCount64 - since > shared.KeepAlive.TotalMilliseconds)
            && Interlocked.CompareExchange(ref _idleSince, Ended, since) == since) // else a request came first: its turn
            connection.Transport.Input.CancelPendingRead();
    }

    public string Method => _head.Head ? "HEAD" : "GET";
    public string Path => _head.Path;
    public string? IfNoneMatch => _head.IfNoneMatch;
    public IPAddress? Address => _address;
    public string TraceId => $"{connection.ConnectionId}:{_requests:X8}";
    public IServiceProvider Services => shared.Services;
}
