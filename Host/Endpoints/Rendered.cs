using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Chat.Host.Endpoints;

/// A response made: its status, the chat's headers and its body. Kestrel adds `Date` and `Content-Length` (from the
/// body) when it writes one (<see cref="WriteAsync"/>); the transport path writes <see cref="Head"/> and the same.
/// <paramref name="sized"/>: it says its length (every status but 204 and 304).
public sealed class Rendered(int status, IReadOnlyList<(string Name, string Value)> headers, ReadOnlyMemory<byte> body, bool sized = true)
{
    public int Status => status;
    public IReadOnlyList<(string Name, string Value)> Headers => headers;
    public ReadOnlyMemory<byte> Body => body;

    public Task WriteAsync(HttpContext http)
    {
        var response = http.Response;
        response.StatusCode = status;
        foreach (var (name, value) in headers) response.Headers[name] = value;
        if (!sized) return Task.CompletedTask;
        response.ContentLength = body.Length;
        // HEAD as Kestrel reads it, case and all (RFC 9110, 9.1): `head` is another method, whose answer Kestrel frames
        // with its body; leaving that out was a Content-Length mismatch, and a 500.
        return body.IsEmpty || http.Request.Method == HttpMethods.Head ? Task.CompletedTask : response.BodyWriter.WriteAsync(body).AsTask();
    }

    private byte[]? _head;

    /// The status line and every header but `Date` and `Connection`, as bytes: made once however many polls the same
    /// rendering answers (a fan-out's). Racing threads make the same bytes.
    public byte[] Head => _head ??= MakeHead();

    private sealed record Whole(byte[] DateLine, byte[] Bytes);

    private Whole? _whole;

    private static readonly byte[] CloseLine = "Connection: close\r\n"u8.ToArray(), EndOfHead = "\r\n"u8.ToArray();

    /// The whole response as one buffer, with <paramref name="dateLine"/>; `Connection: close` and no body (a `HEAD`)
    /// when asked. A connection that keeps open and asked `GET` gets the bytes a fan-out sends to every such
    /// connection, made again only when the second changes.
    public byte[] Bytes(byte[] dateLine, bool close = false, bool withBody = true)
    {
        var shared = !close && withBody;
        if (shared && _whole is { } whole && ReferenceEquals(whole.DateLine, dateLine)) return whole.Bytes;
        var bytes = new byte[Head.Length + (close ? CloseLine.Length : 0) + dateLine.Length + EndOfHead.Length + (withBody ? body.Length : 0)];
        var at = bytes.AsSpan();
        foreach (var part in (ReadOnlySpan<byte[]>)[Head, close ? CloseLine : [], dateLine, EndOfHead])
        {
            part.CopyTo(at);
            at = at[part.Length..];
        }
        if (withBody) body.Span.CopyTo(at);
        if (shared) _whole = new Whole(dateLine, bytes);
        return bytes;
    }

    private byte[] MakeHead()
    {
        var text = new StringBuilder(128).Append("HTTP/1.1 ").Append(status.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(ReasonPhrases.GetReasonPhrase(status)).Append("\r\n");
        foreach (var (name, value) in headers) text.Append(name).Append(": ").Append(value).Append("\r\n");
        if (sized) text.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
