using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Chat.Specs.Http.Support;

/// HTTP/1.1 framing as a lenient client sees it, for streams that may be anything: the requests a stream holds (a
/// HEAD's response has no body), and the responses a connection received, as text two servers' answers compare by.
public static partial class Http1Framing
{
    public sealed record Response(string StatusLine, int Status, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body)
    {
        /// Not a 1xx that another response follows (100 Continue): an answer to a request of its own.
        public bool IsFinal => Status is not (>= 100 and < 200) || Status == 101;
    }

    /// A request as the stream frames it: its method and target, and whether it has a body (its 100 Continue is sent or
    /// not depending on whether the body had arrived).
    public sealed record Request(string Method, string Target, bool HasBody)
    {
        /// `/chat` or `/rooms/{room}`: a room's status, which tells how many polls it holds now.
        public bool IsStatus => StatusPath().IsMatch(Target);
    }

    /// Each complete request in <paramref name="stream"/>, in order, framed by Content-Length or chunked bodies. Where
    /// Kestrel would refuse the bytes it closes the connection, so a later guess here does not matter.
    public static List<Request> Requests(ReadOnlySpan<byte> stream)
    {
        var requests = new List<Request>();
        var at = 0;
        while (at < stream.Length)
        {
            var line = stream[at..].IndexOf((byte)'\n');
            if (line < 0) break;
            var first = Encoding.Latin1.GetString(stream.Slice(at, line)).TrimEnd('\r');
            var p = at + line + 1;
            if (first.Length == 0) { at = p; continue; } // an empty line before a request is skipped
            long length = 0;
            var chunked = false;
            while (true)
            {
                var end = stream[p..].IndexOf((byte)'\n');
                if (end < 0) return requests;
                var field = Encoding.Latin1.GetString(stream.Slice(p, end)).TrimEnd('\r');
                p += end + 1;
                if (field.Length == 0) break;
                var colon = field.IndexOf(':');
                if (colon <= 0) continue;
                var (name, value) = (field[..colon].Trim(), field[(colon + 1)..].Trim());
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out length);
                if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && value.Contains("chunked", StringComparison.OrdinalIgnoreCase)) chunked = true;
            }
            var start = p;
            if (chunked)
            {
                if (SkipChunks(stream, p) is not { } after) return requests;
                p = after;
            }
            else if (length > stream.Length - p) return requests;
            else p += (int)length;
            var words = first.Split(' ');
            requests.Add(new Request(words[0], words.Length > 1 ? words[1] : "", chunked || p > start));
            at = p;
        }
        return requests;
    }

    /// The offset past a chunked body (and its trailers) that starts at <paramref name="at"/>, or null if it is not all there.
    private static int? SkipChunks(ReadOnlySpan<byte> data, int at)
    {
        while (true)
        {
            var end = data[at..].IndexOf((byte)'\n');
            if (end < 0) return null;
            var size = Encoding.Latin1.GetString(data.Slice(at, end)).TrimEnd('\r').Split(';')[0].Trim();
            if (!long.TryParse(size, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var n) || n < 0) return null;
            at += end + 1;
            if (n == 0)
            {
                while (true) // trailers, up to an empty line
                {
                    var t = data[at..].IndexOf((byte)'\n');
                    if (t < 0) return null;
                    var empty = t == 0 || (t == 1 && data[at] == '\r');
                    at += t + 1;
                    if (empty) return at;
                }
            }
            if (n + 2 > data.Length - at) return null;
            at += (int)n + 2;
        }
    }

    /// The complete responses at the start of <paramref name="data"/> (a 1xx among them), and how many bytes they take.
    /// <paramref name="requests"/> are the requests in order; <paramref name="closed"/>: the connection ended, so a
    /// response framed by the close is complete.
    public static (List<(Response Response, int At, Request? To)> Responses, int Used) Responses(ReadOnlySpan<byte> data, IReadOnlyList<Request> requests, bool closed)
    {
        var responses = new List<(Response, int, Request?)>();
        var (at, request) = (0, 0);
        while (at < data.Length)
        {
            var headEnd = data[at..].IndexOf("\r\n\r\n"u8);
            if (headEnd < 0) break;
            var lines = Encoding.Latin1.GetString(data.Slice(at, headEnd)).Split("\r\n");
            var words = lines[0].Split(' ');
            if (!lines[0].StartsWith("HTTP/", StringComparison.Ordinal) || words.Length < 2 || !int.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status)) break;
            var headers = lines[1..].Select(l => l.IndexOf(':') is var c and > 0 ? (l[..c], l[(c + 1)..].Trim()) : (l, "")).ToList();
            string? Header(string name) => headers.FirstOrDefault(h => h.Item1.Equals(name, StringComparison.OrdinalIgnoreCase)).Item2;
            var informational = status is >= 100 and < 200 and not 101;
            var to = request < requests.Count ? requests[request] : null;
            var head = to is { Method: "HEAD" };
            var start = at + headEnd + 4;
            int end;
            if (informational || head || status is 204 or 304) end = start;
            else if (Header("Transfer-Encoding") is { } te && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                if (SkipChunks(data, start) is not { } after) break;
                end = after;
            }
            else if (Header("Content-Length") is { } cl && int.TryParse(cl, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                if (length > data.Length - start) break;
                end = start + length;
            }
            else if (closed) end = data.Length;
            else break;
            var body = data[start..end].ToArray();
            if (Header("Transfer-Encoding") is { } chunkedTe && chunkedTe.Contains("chunked", StringComparison.OrdinalIgnoreCase) && !head) body = Dechunk(body);
            responses.Add((new Response(lines[0], status, headers, body), at, to));
            at = end;
            if (!informational) request++;
        }
        return (responses, at);
    }

    /// A chunked body's data, without its framing (where Kestrel cuts chunks depends on its writes, not on the answer).
    private static byte[] Dechunk(byte[] chunked)
    {
        using var data = new MemoryStream();
        var at = 0;
        while (true)
        {
            var end = chunked.AsSpan(at).IndexOf((byte)'\n');
            var n = int.Parse(Encoding.Latin1.GetString(chunked, at, end).TrimEnd('\r').Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            at += end + 1;
            if (n == 0) return data.ToArray();
            data.Write(chunked, at, n);
            at += n + 2;
        }
    }

    /// The answers on one connection as text to compare: per response its status line, its headers sorted (names in
    /// lower case; Date's value only if it is not an HTTP date), and its body; then what was left unparsed, and whether
    /// the server closed the connection. Left out or scrubbed: what differs between two runs of the same server
    /// (<see cref="Scrub"/>, <see cref="Raced"/>).
    /// <paramref name="shutAt"/>: how many bytes had come when the client shut its sending side, if it did.
    public static string Canonical(byte[] received, IReadOnlyList<Request> requests, bool closed, int? shutAt)
    {
        var (responses, used) = Responses(received, requests, closed);
        var text = new StringBuilder();
        foreach (var (r, at, to) in responses)
        {
            if (Raced(r, to, at >= shutAt)) continue;
            var status = to is { IsStatus: true };
            text.Append(Escape(Encoding.Latin1.GetBytes(r.StatusLine))).Append('\n');
            foreach (var (name, value) in r.Headers
                         .Select(h => (Name: h.Name.ToLowerInvariant(), h.Value))
                         .Select(h => h.Name == "date" && IsHttpDate(h.Value) || status && h.Name == "content-length" ? (h.Name, "<scrubbed>") : h)
                         .Order())
                text.Append(name).Append(": ").Append(Escape(Encoding.Latin1.GetBytes(value))).Append('\n');
            var body = Encoding.Latin1.GetString(r.Body);
            text.Append("body: ").Append(Escape(Encoding.Latin1.GetBytes(Scrub(body, status)))).Append("\n--\n");
        }
        if (used < received.Length) text.Append("unparsed: ").Append(ScrubUnparsed(Escape(received.AsSpan(used)))).Append('\n');
        return text.Append(closed ? "== closed by the server" : "== left open").ToString();
    }

    private static bool IsHttpDate(string value) =>
        DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    /// Kestrel's own races, which the same server answers either way from one run to the next: a 100 Continue is sent
    /// only if the body had not arrived yet. After the client's FIN, Kestrel aborts its output as the FIN comes, and
    /// what it was about to write goes out only if it wins: the 400 for a request cut off, or the empty 200 it makes
    /// of a held poll that the FIN ended (the poll writes nothing, `Responses.Nothing`).
    private static bool Raced(Response r, Request? to, bool afterShut) =>
        (!r.IsFinal && to is { HasBody: true })
        || (afterShut && r.Body.Length == 0 && r.Status switch
        {
            400 => r.Headers.Any(h => h.Name.Equals("Connection", StringComparison.OrdinalIgnoreCase) && h.Value.Equals("close", StringComparison.OrdinalIgnoreCase)),
            200 => r.Headers.All(h => h.Name.ToLowerInvariant() switch { "date" => true, "content-length" => h.Value == "0", "connection" => h.Value == "close", _ => false }),
            _ => false,
        });

    /// The trace id of a problem body is new per request; a room's status says how many polls it holds and who is
    /// here, which depends on what other streams hold at that moment (and its Content-Length with them).
    private static string Scrub(string body, bool status)
    {
        body = ScrubTraceId(body);
        return status ? Here().Replace(Held().Replace(body, "\"held\":<scrubbed>"), "\"here\":<scrubbed>") : body;
    }

    /// A response read until a close that did not come (no Content-Length) stays unparsed: its trace id and its Date
    /// are scrubbed there too.
    private static string ScrubUnparsed(string text) => UnparsedDate().Replace(ScrubTraceId(text), "$1: <scrubbed>");

    private static string ScrubTraceId(string text) => TraceId().Replace(text, "\"traceId\":\"<scrubbed>\"");

    [GeneratedRegex("^(date): [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex UnparsedDate();

    [GeneratedRegex("^(?:https?://[^/]*)?/(?:chat|rooms/[^/?]+)/?(?:\\?.*)?$", RegexOptions.IgnoreCase)]
    private static partial Regex StatusPath();

    /// Bytes as readable text: printable ASCII and UTF-8 as themselves, CR LF TAB and backslash escaped (LF also breaks
    /// the line), any other byte as \xNN. At most <paramref name="most"/> bytes, the middle elided.
    public static string Escape(ReadOnlySpan<byte> bytes, int most = int.MaxValue)
    {
        if (bytes.Length > most)
        {
            var half = most / 2;
            return Escape(bytes[..half]) + $"…[{bytes.Length - 2 * half} bytes]…" + Escape(bytes[^half..]);
        }
        var text = new StringBuilder();
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            if (b >= 0x80 && Rune.DecodeFromUtf8(bytes[i..], out var rune, out var used) == System.Buffers.OperationStatus.Done && !Rune.IsControl(rune))
            {
                text.Append(rune.ToString());
                i += used - 1;
                continue;
            }
            text.Append(b switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n\n",
                (byte)'\t' => "\\t",
                (byte)'\\' => "\\\\",
                >= 0x20 and < 0x7f => ((char)b).ToString(),
                _ => $"\\x{b:X2}",
            });
        }
        return text.ToString();
    }

    [GeneratedRegex("\"traceId\":\"[^\"]*\"")]
    private static partial Regex TraceId();

    [GeneratedRegex("\"held\":[0-9]+")]
    private static partial Regex Held();

    [GeneratedRegex("\"here\":\\{\"count\":[0-9]+,\"names\":\\[[^\\]]*\\]\\}")]
    private static partial Regex Here();
}
