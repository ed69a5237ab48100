using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Server.Kestrel;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Chat.Host.Endpoints;

/// RFC 9110 8.6 and RFC 9112 6.3: `Content-Length` is digits alone; any other value leaves the framing unknown,
/// and the server answers 400 and closes the connection. Kestrel refuses most such values itself, but its number
/// parser allows a sign and it keeps only the number: `+14` (or `-0`) reaches the application as 14 (or 0), the
/// raw text gone. So each HTTP/1.x connection's bytes are read once on their way to Kestrel (<see cref="Http1Heads"/>,
/// a head's few field names and a count of its body's bytes), and a request whose own header was signed is refused
/// here. A request without Content-Length, every held poll among them, passes with one field read.
/// A stopgap: Kestrel's own parser refuses signs since dotnet/aspnetcore#67635 (merged 2026-07), not in the 10.0.12
/// runtime here; once the runtime has it, this file and its two call sites go (BadInputSpecs keeps the behaviour).
public static class StrictContentLength
{
    /// On every endpoint: plaintext ones through the endpoint defaults; an HTTPS endpoint of `Kestrel:Endpoints`
    /// gets its TLS here, so that the check reads the decrypted bytes (one of Kestrel's own defaults, whose bytes are
    /// TLS records, passes them through unread). HTTP/2 frames its bodies itself and is not read.
    /// <paramref name="outer"/>: what runs on every endpoint before this check.
    public static void Install(KestrelServerOptions kestrel, IConfiguration configuration, Action<ListenOptions> outer)
    {
        var ownTls = new HashSet<ListenOptions>();
        kestrel.ConfigureEndpointDefaults(listen =>
        {
            outer(listen);
            listen.Use(next => ownTls.Contains(listen) ? next : Connection(next));
        });
        if (kestrel.ConfigurationLoader is not { } loader) return;
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
            loader.Endpoint(endpoint.Key, e =>
            {
                // SNI picks options per connection; such an endpoint keeps Kestrel's own TLS and goes unchecked.
                if (!e.IsHttps || e.ConfigSection.GetSection("Sni").Exists() || e.HttpsOptions is { ServerCertificate: null, ServerCertificateSelector: null }) return;
                ownTls.Add(e.ListenOptions);
                e.ListenOptions.UseHttps(e.HttpsOptions);
                e.ListenOptions.Use(Connection);
            });
    }

    private static ConnectionDelegate Connection(ConnectionDelegate next) => connection =>
    {
        if (connection.Features.Get<ITlsApplicationProtocolFeature>() is not { } alpn || !alpn.ApplicationProtocol.Span.SequenceEqual(SslApplicationProtocol.Http2.Protocol.Span))
            connection.Transport = new Http1Heads(connection.Transport);
        return next(connection);
    };

    /// First in the pipeline. Not async: it returns the next delegate's task itself.
    public static IApplicationBuilder UseStrictContentLength(this IApplicationBuilder app) =>
        app.Use(static next => http => IsSigned(http) ? RefuseAsync(http) : next(http));

    private static bool IsSigned(HttpContext http) =>
        http.Request.Headers.ContentLength is not null
        && (HttpProtocol.IsHttp11(http.Request.Protocol) || HttpProtocol.IsHttp10(http.Request.Protocol))
        && http.Features.Get<IConnectionTransportFeature>()?.Transport is Http1Heads heads
        && heads.NextIsSigned();

    private static Task RefuseAsync(HttpContext http)
    {
        http.Response.Headers.Connection = "close"; // the framing of whatever follows on the connection is unknown
        return Problems.BadContentLength().ExecuteAsync(http);
    }
}

/// A connection's input as Kestrel reads it, with each request head's Content-Length and Transfer-Encoding noted and
/// the bodies counted past, as HTTP/1.1 frames them. It notes the first head whose Content-Length starts with a sign
/// and reads nothing after it (that request is answered with `Connection: close`). A connection that starts with a
/// TLS record is passed through unread. Kestrel validates the framing itself and closes a connection it cannot
/// parse, so this follows it leniently: where the two could differ (bytes Kestrel refuses), the connection ends.
internal sealed class Http1Heads(IDuplexPipe transport) : PipeReader, IDuplexPipe
{
    private enum Part : byte { Start, Opaque, RequestLine, FieldStart, FieldName, FieldValue, SkipLine, Body, ChunkSize, ChunkExtension, ChunkData, ChunkEnd, Trailer, SkipTrailer }

    private const long Most = long.MaxValue / 32; // a count past any body Kestrel reads; kept from overflowing

    private readonly PipeReader _input = transport.Input;
    private ReadOnlySequence<byte> _buffer; // as last handed to Kestrel
    private long _scanned;                  // how much of it was read here already
    private long _left;                     // of the body or the chunk
    private long _length;
    private int _heads;                     // heads with a Content-Length (and no Transfer-Encoding) read
    private int _answered;                  // requests with a Content-Length the application has seen
    private int _signedAt = -1;             // which of them was signed
    private int _column;
    private Part _part;
    private bool _isLength, _hasLength, _chunked, _valueStarted, _signed;

    PipeReader IDuplexPipe.Input => this;
    public PipeWriter Output { get; } = transport.Output;

    /// For each request with a Content-Length, in order: was its header signed?
    public bool NextIsSigned() => _answered++ == _signedAt;

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (_part == Part.Opaque) return _input.ReadAsync(cancellationToken);
        var read = _input.ReadAsync(cancellationToken);
        return read.IsCompletedSuccessfully ? new(Seen(read.Result)) : SeenAsync(read);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> SeenAsync(ValueTask<ReadResult> read) => Seen(await read);

    public override bool TryRead(out ReadResult result)
    {
        if (!_input.TryRead(out result)) return false;
        if (_part != Part.Opaque) Seen(result);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (_part != Part.Opaque) _scanned -= _buffer.Slice(0, consumed).Length;
        _input.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => _input.CancelPendingRead();
    public override void Complete(Exception? exception = null) => _input.Complete(exception);
    public override ValueTask CompleteAsync(Exception? exception = null) => _input.CompleteAsync(exception);

    private ReadResult Seen(ReadResult result)
    {
        var buffer = result.Buffer;
        if (buffer.Length > _scanned)
            foreach (var segment in buffer.Slice(_scanned))
                if (_part != Part.Opaque) Read(segment.Span);
        _buffer = buffer;
        _scanned = buffer.Length;
        return result;
    }

    private void Read(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            switch (_part)
            {
                case Part.Opaque:
                    return;
                case Part.Start:
                    _part = bytes[i] == 0x16 ? Part.Opaque : Part.RequestLine; // 0x16: a TLS handshake record
                    break;
                case Part.RequestLine:
                    if (SkipToLineEnd(bytes, ref i)) _part = Part.FieldStart;
                    break;
                case Part.FieldStart:
                    var first = bytes[i++];
                    if (first == '\r') break;
                    if (first == '\n') { EndOfHead(); break; }
                    _isLength = Lower(first) == 'c';
                    _column = 1;
                    _part = _isLength || Lower(first) == 't' ? Part.FieldName : Part.SkipLine;
                    break;
                case Part.FieldName:
                    var name = _isLength ? "content-length"u8 : "transfer-encoding"u8;
                    if (_column < name.Length && Lower(bytes[i]) == name[_column]) { i++; _column++; }
                    else if (_column == name.Length && bytes[i] == ':')
                    {
                        i++;
                        if (_isLength) (_hasLength, _valueStarted, _part) = (true, false, Part.FieldValue);
                        else (_chunked, _part) = (true, Part.SkipLine); // Kestrel frames any request with one as chunked, or refuses it
                    }
                    else _part = Part.SkipLine;
                    break;
                case Part.FieldValue:
                    var c = bytes[i++];
                    if (c == '\n') _part = Part.FieldStart;
                    else if (!_valueStarted && c is (byte)' ' or (byte)'\t') { }
                    else if (!_valueStarted && c is (byte)'+' or (byte)'-') (_valueStarted, _signed) = (true, true);
                    else
                    {
                        _valueStarted = true;
                        if (c - '0' is var digit and >= 0 and <= 9) _length = Math.Min(Most, _length * 10 + digit);
                    }
                    break;
                case Part.SkipLine:
                    if (SkipToLineEnd(bytes, ref i)) _part = Part.FieldStart;
                    break;
                case Part.Body:
                    if (Skip(bytes, ref i)) _part = Part.RequestLine;
                    break;
                case Part.ChunkSize:
                    var h = bytes[i++];
                    if (HexValue(h) is var v and >= 0) _left = Math.Min(Most, _left * 16 + v);
                    else if (h == '\n') EndOfChunkSize();
                    else _part = Part.ChunkExtension;
                    break;
                case Part.ChunkExtension:
                    if (SkipToLineEnd(bytes, ref i)) EndOfChunkSize();
                    break;
                case Part.ChunkData:
                    if (Skip(bytes, ref i)) _part = Part.ChunkEnd;
                    break;
                case Part.ChunkEnd:
                    if (SkipToLineEnd(bytes, ref i)) (_part, _left) = (Part.ChunkSize, 0);
                    break;
                case Part.Trailer:
                    var t = bytes[i++];
                    if (t == '\n') _part = Part.RequestLine;
                    else if (t != '\r') _part = Part.SkipTrailer;
                    break;
                case Part.SkipTrailer:
                    if (SkipToLineEnd(bytes, ref i)) _part = Part.Trailer;
                    break;
            }
        }
    }

    private void EndOfHead()
    {
        if (_chunked) (_part, _left) = (Part.ChunkSize, 0);
        else if (_hasLength && _signed)
        {
            _signedAt = _heads;
            _part = Part.Opaque; // answered with Connection: close: nothing after it is a request
        }
        else if (_hasLength)
        {
            _heads++;
            (_part, _left) = (_length > 0 ? Part.Body : Part.RequestLine, _length);
        }
        else _part = Part.RequestLine;
        (_hasLength, _chunked, _signed, _length) = (false, false, false, 0);
    }

    private void EndOfChunkSize() => _part = _left == 0 ? Part.Trailer : Part.ChunkData;

    private static bool SkipToLineEnd(ReadOnlySpan<byte> bytes, ref int i)
    {
        var end = bytes[i..].IndexOf((byte)'\n');
        if (end < 0) { i = bytes.Length; return false; }
        i += end + 1;
        return true;
    }

    private bool Skip(ReadOnlySpan<byte> bytes, ref int i)
    {
        var n = (int)Math.Min(_left, bytes.Length - i);
        (i, _left) = (i + n, _left - n);
        return _left == 0;
    }

    private static int Lower(byte c) => c is >= (byte)'A' and <= (byte)'Z' ? c | 0x20 : c;

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
