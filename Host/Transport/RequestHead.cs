using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http;
using HttpMethod = Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.HttpMethod;

namespace Chat.Host.Transport;

/// One request's line and headers as Kestrel's own parser reads them, and whether this path may answer it: only a
/// GET, HEAD or POST over HTTP/1.1 whose every header it knows how to treat. Anything else is <see cref="Unhandled"/>,
/// and Kestrel's HTTP answers it. One per connection, reset for each request.
public sealed class RequestHead : IHttpRequestLineHandler, IHttpHeadersHandler
{
    public bool Head { get; private set; }
    public bool Post { get; private set; }
    /// A post's: its body's length (digits alone, else Kestrel's to judge), whether it is a urlencoded form, its key.
    public int? ContentLength { get; private set; }
    public bool Form { get; private set; }
    public string? IdempotencyKey { get; private set; }
    public string Path { get; private set; } = "";
    public string? Query { get; private set; }
    public string? IfNoneMatch { get; private set; }
    public string? Authorization { get; private set; }
    public string? ClientId { get; private set; }
    public string? ForwardedFor { get; private set; }
    public string? ForwardedProto { get; private set; }
    public string? ForwardedHost { get; private set; }
    public bool Close { get; private set; }
    public bool Unhandled { get; private set; }
    private int _hosts;

    /// The last `Authorization` this connection sent, and its bearer token: a follower of a protected room sends the
    /// same with every poll, which made two strings of ~200 characters a poll.
    private string? _authorization, _token;

    /// `Authorization: Bearer`'s token, or null.
    public string? Token => Authorization is null ? null : _token;

    /// Parses a whole head from <paramref name="buffer"/>: false when it is not all there (or Kestrel's parser finds
    /// it malformed: Kestrel's HTTP then answers it as it would).
    public bool TryParse(HttpParser<RequestHead> parser, ReadOnlySequence<byte> buffer, out SequencePosition end)
    {
        (Head, Post, ContentLength, Form, IdempotencyKey, Path, Query, IfNoneMatch, Authorization, ClientId, ForwardedFor, ForwardedProto,
            ForwardedHost, Close, Unhandled, _hosts) = (false, false, null, false, null, "", null, null, null, null, null, null, null, false, false, 0);
        var reader = new SequenceReader<byte>(buffer);
        end = buffer.Start;
        try
        {
            if (!parser.ParseRequestLine(this, ref reader) || !parser.ParseHeaders(this, ref reader)) return false;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false; // a bad request: Kestrel's to answer (400, and the connection closed)
        }
        Unhandled |= _hosts != 1;
        end = reader.Position;
        return true;
    }

    public void OnStartLine(HttpVersionAndMethod versionAndMethod, TargetOffsetPathLength targetPath, Span<byte> startLine)
    {
        Head = versionAndMethod.Method == HttpMethod.Head;
        Post = versionAndMethod.Method == HttpMethod.Post;
        Unhandled = versionAndMethod.Version != HttpVersion.Http11 || versionAndMethod.Method is not (HttpMethod.Get or HttpMethod.Head or HttpMethod.Post)
            || targetPath.IsEncoded;
        var target = startLine[targetPath.Offset..];
        var path = target[..targetPath.Length];
        if (path.Length is 0 or > 200 || path[0] != '/' || !Plain(path)) Unhandled = true;
        else Path = Encoding.ASCII.GetString(path);
        var query = target[targetPath.Length..];
        if (query.Length > 0) Query = Visible(query) ? Encoding.ASCII.GetString(query) : null;
        if (query.Length > 0 && Query is null) Unhandled = true;
    }

    /// Each header is one this path answers the same as Kestrel's would, or the request is Kestrel's: any other (a
    /// body, `Expect`, `Upgrade`, `Origin`, a range, a conditional but `If-None-Match`...) is left to the routes.
    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (Unhandled) return;
        if (!Visible(value)) { Unhandled = true; return; }
        if (Is(name, "host")) { _hosts++; Unhandled |= !PlainHost(value); }
        else if (Is(name, "connection")) { var close = IsValue(value, "close"); Close |= close; Unhandled |= !close && !IsValue(value, "keep-alive"); }
        else if (Is(name, "if-none-match")) IfNoneMatch = IfNoneMatch is null ? Encoding.ASCII.GetString(value) : $"{IfNoneMatch},{Encoding.ASCII.GetString(value)}";
        else if (Post && Is(name, "content-length")) ContentLength = Length(value);
        else if (Post && Is(name, "content-type")) { Unhandled |= Form || !IsValue(value, "application/x-www-form-urlencoded"); Form = true; }
        else if (Post && Is(name, "idempotency-key")) IdempotencyKey = Single(IdempotencyKey, value);
        else if (Is(name, "authorization")) { Unhandled |= Authorization is not null; Authorization = Again(value); }
        else if (Is(name, "chat-client")) ClientId = Single(ClientId, value);
        else if (Is(name, "x-forwarded-for")) ForwardedFor = Single(ForwardedFor, value);
        else if (Is(name, "x-forwarded-proto")) ForwardedProto = Single(ForwardedProto, value);
        else if (Is(name, "x-forwarded-host")) ForwardedHost = Single(ForwardedHost, value);
        else if (!Ignored(name)) Unhandled = true;
    }

    public void OnHeadersComplete(bool endStream) { }
    public void OnStaticIndexedHeader(int index) => Unhandled = true; // HTTP/2's and /3's: never here
    public void OnStaticIndexedHeader(int index, ReadOnlySpan<byte> value) => Unhandled = true;

    /// Headers no route reads: what browsers and tools send with every request.
    private static bool Ignored(ReadOnlySpan<byte> name) =>
        Is(name, "user-agent") || Is(name, "accept") || Is(name, "accept-encoding") || Is(name, "accept-language") || Is(name, "referer")
        || Is(name, "cookie") || Is(name, "cache-control") || Is(name, "pragma") || Is(name, "dnt") || Is(name, "priority")
        || Is(name, "upgrade-insecure-requests") || name.StartsWith("sec-fetch-"u8) || name.StartsWith("Sec-Fetch-"u8)
        || name.StartsWith("sec-ch-"u8) || name.StartsWith("Sec-CH-"u8);

    private string? Single(string? was, ReadOnlySpan<byte> value)
    {
        Unhandled |= was is not null; // said twice: Kestrel's to combine
        return Encoding.ASCII.GetString(value);
    }

    /// The connection's last `Authorization` when <paramref name="value"/> is the same; else this one, and its token.
    private string Again(ReadOnlySpan<byte> value)
    {
        if (_authorization is { } last && Ascii.Equals(value, last)) return last;
        _authorization = Encoding.ASCII.GetString(value);
        _token = Auth.Bearer.FromAuthorization(_authorization);
        return _authorization;
    }

    /// 1 to 9 digits, said once: any other value (a sign, a list) is Kestrel's to refuse (StrictContentLength.cs).
    private int? Length(ReadOnlySpan<byte> value)
    {
        if (ContentLength is not null || value.Length is 0 or > 9 || value.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0)
        {
            Unhandled = true;
            return null;
        }
        return int.Parse(value);
    }

    private static bool Is(ReadOnlySpan<byte> name, string lower) => Ascii.EqualsIgnoreCase(name, lower);
    private static bool IsValue(ReadOnlySpan<byte> value, string lower) => Ascii.EqualsIgnoreCase(value, lower);

    /// Printable ASCII and spaces: what every header this path reads is made of.
    private static bool Visible(ReadOnlySpan<byte> bytes) => bytes.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7e) < 0;

    /// A path the routes take as it is: no dot segments, no escapes, nothing a room name or an index is not made of.
    private static bool Plain(ReadOnlySpan<byte> path) => path.IndexOfAnyExcept(PathBytes) < 0 && path.IndexOf("//"u8) < 0;

    /// `name` or `name:port`, a name of letters, digits, dots and hyphens that starts with a letter or digit: a form
    /// Kestrel takes as it is. Any other (an IP literal, an empty name or port) is Kestrel's to judge.
    private static bool PlainHost(ReadOnlySpan<byte> host)
    {
        var colon = host.IndexOf((byte)':');
        var name = colon < 0 ? host : host[..colon];
        var port = colon < 0 ? [] : host[(colon + 1)..];
        return name.Length > 0 && char.IsAsciiLetterOrDigit((char)name[0]) && name.IndexOfAnyExcept(NameBytes) < 0
            && (colon < 0 || (port.Length is > 0 and <= 5 && port.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0));
    }

    private static readonly SearchValues<byte> PathBytes = SearchValues.Create("/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"u8);
    private static readonly SearchValues<byte> NameBytes = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"u8);
}
