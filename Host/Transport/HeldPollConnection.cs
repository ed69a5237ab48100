using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Chat.Core.Room;
using Chat.Host.Auth;
using Chat.Host.Endpoints;
using Chat.Host.Rooms;
using Microsoft.AspNetCore.Connections;

namespace Chat.Host.Transport;

/// One connection on the held-poll path: read a request head (consuming nothing yet), answer a poll or a post, repeat.
/// Whatever else arrives (another route, a header it does not treat, half a head, TLS, HTTP/2) goes with the
/// connection, unconsumed, to Kestrel's HTTP, which then keeps it. While a poll is held, this object and the poll in
/// its room (HeldPollConnection.Hold.cs) are all the connection costs above its socket.
public sealed partial class HeldPollConnection(LeanConnection connection, TransportPath.Shared shared, LeanListener listener) : IAsked, IHolder
{
    private readonly RequestHead _head = new();
    private int _requests;
    private IPAddress? _address;
    private LongPoll? _polls;

    /// Waiting for a request (the keep-alive timeout and a stopping server end the wait) since this tick count;
    /// <see cref="Busy"/>; <see cref="Ended"/> once <see cref="Tick"/> ended the wait.
    private long _idleSince = Busy;

    private const long Busy = -1, Ended = -2;

    /// The endpoint that accepted the connection: it stops it, and takes it when the path hands it on.
    public LeanListener Listener => listener;

    /// Serves the connection's polls until it closes (then closes it) or is handed on.
    public async Task RunAsync()
    {
        var input = connection.Input;
        var handed = false;
        try
        {
            while (!Listener.Stopping)
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
                    if (read.IsCompleted) return; // the client closed in the middle of it: so does Kestrel
                    input.AdvanceTo(buffer.Start, buffer.End); // maybe the preface: wait for the rest of its line
                    continue;
                }
                var parsed = _head.TryParse(shared.Parser, buffer, out var end) && !_head.Unhandled;
                var served = !parsed ? null
                    : _head.Post ? await PostAsync(buffer.Slice(end))
                    : Target.Read(_head.Path, _head.Query, shared.MaxBatch) is { } poll ? await AskAsync(poll, end) : (bool?)null;
                if (served is null)
                {
                    input.AdvanceTo(buffer.Start); // nothing consumed: Kestrel reads the same bytes
                    input.Loop = null; // Kestrel's from now on: its heartbeat and its stop
                    handed = Listener.HandOn(connection);
                    return;
                }
                if (served == false) return;
            }
        }
        catch (Exception e) when (e is ConnectionResetException or ConnectionAbortedException)
        {
            // The client reset the connection (it hung up, as with a FIN), or the server aborted it (its stop timed
            // out): an end as any other, not logged (Kestrel's transport logs these at Debug only).
        }
        catch (Exception e)
        {
            Listener.Failed(e, connection.ConnectionId);
        }
        finally
        {
            Close();
            if (!handed) await connection.DisposeAsync();
            Listener.Ended();
        }
    }

    /// Asks the room as the route does, and writes the answer, or leaves it to the poll held; false when the
    /// connection ends with it.
    private async Task<bool> AskAsync(Target poll, SequencePosition end)
    {
        connection.Input.AdvanceTo(end);
        _requests++;
        _address = ClientAddress();
        var polls = _polls = poll.Batch ? shared.Polls.Batch : shared.Polls.Get;
        var asker = new Asker(ClientKey.Of(_head.ClientId ?? poll.Client, _address), _address);
        var outcome = await polls.AskAsync(poll.Room, poll.Want, _head.Token, asker, default, holder: this);
        return outcome is Outcome.Held || await WriteAsync(polls.Answer(outcome, poll.Room), _head.Close, _head.Head);
    }

    /// Renders and sends an answer; false when the connection ends with it (null: the client hung up).
    private async ValueTask<bool> WriteAsync(Answer? answer, bool close, bool head)
    {
        if (answer is null) return false;
        close |= Listener.Stopping;
        return await SendAsync(Bytes(answer.Render(this), close, body: !head)) && !close;
    }

    /// Sends on the socket itself, as the room's thread does, and whole before the loop reads on: nothing sent later
    /// can pass it (Kestrel's output pipe would send it later, from its own loop). False when the client is gone.
    /// What the socket does not take at once waits in .NET's socket engine, for a client that reads slowly.
    private async ValueTask<bool> SendAsync(ReadOnlyMemory<byte> bytes)
    {
        var sent = Send(bytes.Span);
        if (sent == bytes.Length) return true;
        try
        {
            await connection.Socket.SendAsync(bytes[sent..], SocketFlags.None);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// The rendered answer as bytes, with today's `Date` (Kestrel's own clock, whatever the messages are stamped with).
    private byte[] Bytes(Rendered rendered, bool close, bool body) => rendered.Bytes(DateLine.Now(shared.Clock), close, body);

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

    /// The client's address: the peer's, or the one trusted proxies forward.
    private IPAddress? ClientAddress() => _head.ForwardedFor is null && _head.ForwardedProto is null && _head.ForwardedHost is null
        ? (connection.RemoteEndPoint as IPEndPoint)?.Address
        : Forwarded();

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

    /// Each second (the transport's heartbeat), and when the server stops: a connection waiting for its next request
    /// past the keep-alive timeout, or while the server stops, is closed, as Kestrel closes its own.
    public void Tick(bool stopping = false)
    {
        var since = Volatile.Read(ref _idleSince);
        if (since >= 0 && (stopping || Environment.TickCount64 - since > shared.KeepAlive.TotalMilliseconds)
            && Interlocked.CompareExchange(ref _idleSince, Ended, since) == since) // else a request came first: its turn
            connection.Input.CancelPendingRead();
    }

    /// Past the shutdown timeout: the connection closes now, whatever it was doing.
    public void Abort() => connection.Abort(new ConnectionAbortedException("The server stopped."));

    public string Method => _head.Post ? "POST" : _head.Head ? "HEAD" : "GET";
    public string Path => _head.Path;
    public string? IfNoneMatch => _head.IfNoneMatch;
    public IPAddress? Address => _address;
    public string TraceId => $"{connection.ConnectionId}:{_requests:X8}";
    public IServiceProvider Services => shared.Services;
}
