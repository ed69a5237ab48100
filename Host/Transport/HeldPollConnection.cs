using System.Buffers;
using System.IO.Pipelines;
using System.Net;
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
public sealed class HeldPollConnection(ConnectionContext connection, TransportPath.Shared shared) : IAsked
{
    private static readonly byte[] CloseLine = "Connection: close\r\n"u8.ToArray(), EndOfHead = "\r\n"u8.ToArray();
    private readonly RequestHead _head = new();
    private int _requests;
    private IPAddress? _address;

    /// Waiting for a request (the keep-alive timeout and a stopping server end the wait) since this tick count; -1
    /// busy; <see cref="Ended"/> once <see cref="Tick"/> ended the wait.
    private long _idleSince = -1;

    private const long Ended = -2;

    public async Task RunAsync(ConnectionDelegate next)
    {
        var input = connection.Transport.Input;
        var closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? default;
        connection.Features.Get<IConnectionHeartbeatFeature>()?.OnHeartbeat(static self => ((HeldPollConnection)self).Tick(), this);
        using var stop = closing.UnsafeRegister(static self => ((HeldPollConnection)self!).Tick(stopping: true), this);
        while (!closing.IsCancellationRequested)
        {
            Volatile.Write(ref _idleSince, Environment.TickCount64);
            var read = await input.ReadAsync();
            // Idle too long or stopping (even if a request came meanwhile: its read may yet be cancelled), or closed.
            if (Interlocked.Exchange(ref _idleSince, -1) == Ended || read.IsCanceled || (read.Buffer.IsEmpty && read.IsCompleted)) return;
            var buffer = read.Buffer;
            if (_requests > 0 && Preface(buffer) is { } whole)
            {
                if (whole)
                {
                    await RefusePrefaceAsync();
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
            if (!await AnswerAsync(poll, closing)) return;
        }
    }

    /// Asks the room as the route does and writes the answer; false when the connection ends with it.
    private async Task<bool> AnswerAsync(Target poll, CancellationToken closing)
    {
        _requests++;
        _address = _head.ForwardedFor is null && _head.ForwardedProto is null && _head.ForwardedHost is null ? connection.RemoteEndPoint switch
        {
            IPEndPoint ip => ip.Address,
            _ => null,
        } : Forwarded();
        var polls = poll.Batch ? shared.Polls.Batch : shared.Polls.Get;
        var asker = new Asker(ClientKey.Of(_head.ClientId ?? poll.Client, _address), _address);
        var outcome = await polls.AskAsync(poll.Room, poll.Want, Bearer.FromAuthorization(_head.Authorization), asker, connection.ConnectionClosed);
        if (polls.Answer(outcome, poll.Room) is not { } answer) return false; // the client hung up
        var rendered = answer.Render(this);
        var close = _head.Close || closing.IsCancellationRequested;
        var flushed = await WriteAsync(rendered, close, body: !_head.Head);
        return !close && !flushed.IsCompleted;
    }

    /// The rendered head (its bytes made once however many connections it answers), `Date`, and the body.
    private ValueTask<FlushResult> WriteAsync(Rendered rendered, bool close, bool body)
    {
        var output = connection.Transport.Output;
        output.Write(rendered.Head);
        if (close) output.Write(CloseLine);
        output.Write(DateLine.Now(shared.Clock));
        output.Write(EndOfHead);
        if (body) output.Write(rendered.Body.Span);
        return output.FlushAsync();
    }

    /// HTTP/2's preface after HTTP/1.1 requests: Kestrel takes a connection it is handed for a new one and would
    /// answer HTTP/2, where the same connection through Kestrel all along gets HTTP/1.1's 505 and is closed.
    private ValueTask<FlushResult> RefusePrefaceAsync() => WriteAsync(HttpVersionNotSupported, close: true, body: false);

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
