using System.Text;

namespace Chat.Specs.Http.Support;

/// Request byte streams to mutate and send, well-formed and not: the seed protocol's exchanges as the specs send them,
/// the edges of HTTP/1.1 a connection-level parser may meet, and the GET/HEAD requests of BadInputSpecs.
public static class RequestCorpus
{
    public sealed record Entry(string Name, byte[] Bytes);

    /// Where the seeded rooms stand: the requests aim at their messages, at their next index (a held poll) and past it.
    /// <paramref name="Room"/> is a named room with messages; <paramref name="Quiet"/> a room of one message that few
    /// requests touch (its message, its status, a several-rooms poll).
    public sealed record Rooms(long ChatNext, string Room, long RoomNext, string Quiet, string ChatETag);

    /// Bytes as written: each char of <paramref name="text"/> is one byte (Latin-1), so a spec can write any byte.
    public static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    private static string Get(string target, string headers = "", string method = "GET", string version = "HTTP/1.1") =>
        $"{method} {target} {version}\r\nHost: chat\r\n{headers}\r\n";

    /// Reads only: nothing here changes a room (no post, no removal), so the two servers' states stay equal whatever
    /// the order the streams run in.
    public static List<Entry> Reads(Rooms r)
    {
        var (chat, room, quiet) = (r.ChatNext, r.Room, r.Quiet);
        var e = new List<(string, string)>();
        for (var i = 0; i < chat; i++) e.Add(($"get chat {i}", Get($"/chat/get/{i}")));
        for (var i = 0; i < r.RoomNext; i++) e.Add(($"get {room} {i}", Get($"/rooms/{room}/get/{i}")));
        e.AddRange(
        [
            ("head chat 0", Get("/chat/get/0", method: "HEAD")),
            ("head chat 1", Get("/chat/get/1", method: "HEAD")),
            ($"head {room} 0", Get($"/rooms/{room}/get/0", method: "HEAD")),
            ("held chat", Get($"/chat/get/{chat}")),
            ("held chat, head", Get($"/chat/get/{chat}", method: "HEAD")),
            ($"held {room}", Get($"/rooms/{room}/get/{r.RoomNext}")),
            ("held chat, close", Get($"/chat/get/{chat}", "Connection: close\r\n")),
            ("held in an empty room", Get("/rooms/empty/get/0")),
            ("past the end", Get($"/chat/get/{chat + 1}")),
            ($"past the end of {room}", Get($"/rooms/{room}/get/{r.RoomNext + 5}")),
            ("close", Get("/chat/get/0", "Connection: close\r\n")),
            ("keep-alive", Get("/chat/get/1", "Connection: keep-alive\r\n")),
            ("keep-alive, close", Get("/chat/get/1", "Connection: keep-alive, close\r\n")),
            ("HTTP/1.0", "GET /chat/get/0 HTTP/1.0\r\n\r\n"),
            ("HTTP/1.0 keep-alive", "GET /chat/get/2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
            ("HTTP/1.0 held", $"GET /chat/get/{chat} HTTP/1.0\r\nHost: chat\r\n\r\n"),
            ("HTTP/1.0 head", "HEAD /chat/get/0 HTTP/1.0\r\n\r\n"),
            ("If-None-Match right", Get("/chat/get/0", $"If-None-Match: {r.ChatETag}\r\n")),
            ("If-None-Match right, head", Get("/chat/get/0", $"If-None-Match: {r.ChatETag}\r\n", "HEAD")),
            ("If-None-Match in a list", Get("/chat/get/0", $"If-None-Match: \"x\", {r.ChatETag}\r\n")),
            ("If-None-Match weak", Get("/chat/get/0", $"If-None-Match: W/{r.ChatETag}\r\n")),
            ("If-None-Match star", Get("/chat/get/0", "If-None-Match: *\r\n")),
            ("If-None-Match wrong", Get("/chat/get/0", "If-None-Match: \"0-wrong\"\r\n")),
            ("If-None-Match on another index", Get("/chat/get/1", $"If-None-Match: {r.ChatETag}\r\n")),
            ("If-None-Match twice", Get("/chat/get/0", $"If-None-Match: \"a\"\r\nIf-None-Match: {r.ChatETag}\r\n")),
            ("If-None-Match held", Get($"/chat/get/{chat}", "If-None-Match: *\r\n")),
            ("If-Modified-Since", Get("/chat/get/0", "If-Modified-Since: Tue, 01 Dec 2026 09:30:00 GMT\r\n")),
            ("Chat-Client", Get("/chat/get/0", "Chat-Client: tab-1\r\n")),
            ("Chat-Client held", Get($"/chat/get/{chat}", "Chat-Client: tab_2\r\n")),
            ("Chat-Client not an id", Get($"/chat/get/{chat}", "Chat-Client: not an id!\r\n")),
            ("client query", Get("/chat/get/0?client=tab-3")),
            ("client query held", Get($"/chat/get/{chat}?client=tab-4")),
            ("a query", Get("/chat/get/0?x=1&y")),
            ("an empty query", Get("/chat/get/0?")),
            ("X-Forwarded-For", Get("/chat/get/0", "X-Forwarded-For: 203.0.113.9\r\n")),
            ("X-Forwarded-For held", Get($"/chat/get/{chat}", "X-Forwarded-For: 203.0.113.9, 198.51.100.1\r\n")),
            ("X-Forwarded-Proto and Host", Get("/chat/get/0", "X-Forwarded-Proto: https\r\nX-Forwarded-Host: elsewhere.example\r\n")),
            ("Authorization bearer", Get("/chat/get/0", "Authorization: Bearer not.a.token\r\n")),
            ("Authorization basic held", Get($"/chat/get/{chat}", "Authorization: Basic dXNlcjpwYXNz\r\n")),
            ("Origin", Get("/chat/get/0", "Origin: http://elsewhere.example\r\n")),
            ("Origin held", Get($"/rooms/{room}/get/{r.RoomNext}", "Origin: http://elsewhere.example\r\n")),
            ("Expect", Get("/chat/get/0", "Expect: 100-continue\r\n")),
            ("Expect, unknown", Get("/chat/get/0", "Expect: something-else\r\n")),
            ("chunked GET", Get("/chat/get/0", "Transfer-Encoding: chunked\r\n") + "0\r\n\r\n"),
            ("chunked GET with a body", Get("/chat/get/1", "Transfer-Encoding: chunked\r\n") + "5\r\nhello\r\n0\r\n\r\n"),
            ("chunked and Content-Length", Get("/chat/get/0", "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n") + "0\r\n\r\n"),
            ("Transfer-Encoding gzip", Get("/chat/get/0", "Transfer-Encoding: gzip\r\n")),
            ("Content-Length 0", Get("/chat/get/0", "Content-Length: 0\r\n")),
            ("Content-Length with a body", Get("/chat/get/0", "Content-Length: 5\r\n") + "hello"),
            ("Content-Length held", Get($"/chat/get/{chat}", "Content-Length: 2\r\n") + "hi"),
            ("Content-Length twice", Get("/chat/get/0", "Content-Length: 0\r\nContent-Length: 0\r\n")),
            ("Content-Length signed", Get($"/rooms/{room}", "Content-Length: +0\r\n")),
            ("Content-Length signed held", Get($"/chat/get/{chat}", "Content-Length: +0\r\n")),
            ("Upgrade websocket", Get("/chat/get/0", "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")),
            ("Upgrade h2c", Get("/chat/get/0", "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n")),
            ("Upgrade held", Get($"/chat/get/{chat}", "Connection: Upgrade\r\nUpgrade: websocket\r\n")),
            ("header names in lower case", $"GET /chat/get/0 HTTP/1.1\r\nhost: chat\r\nconnection: close\r\n\r\n"),
            ("header names in upper case", $"GET /chat/get/{chat} HTTP/1.1\r\nHOST: chat\r\nCONNECTION: KEEP-ALIVE\r\n\r\n"),
            ("header names in mixed case", "GET /chat/get/0 HTTP/1.1\r\nhOsT: chat\r\ncOnNeCtIoN: ClOsE\r\nIF-NONE-MATCH: *\r\n\r\n"),
            ("obs-fold", Get("/chat/get/0", "X-Folded: a\r\n b\r\n")),
            ("obs-fold held", Get($"/chat/get/{chat}", "Connection: keep-alive\r\n\tclose\r\n")),
            ("space before a colon", Get("/chat/get/0", "X-Space : a\r\n")),
            ("a field without a colon", Get("/chat/get/0", "X-No-Colon\r\n")),
            ("a field with an empty name", Get("/chat/get/0", ": nameless\r\n")),
            ("a tab and spaces around a value", Get("/chat/get/0", "Connection:\t close \t\r\n")),
            ("a control byte in a value", Get("/chat/get/0", "X-Control: a\u0001b\r\n")),
            ("a high byte in a value", Get("/chat/get/0", "X-High: caf\u00e9\r\n")),
            ("a NUL in a value", Get("/chat/get/0", "X-Nul: a\0b\r\n")),
            ("many headers", Get("/chat/get/0", string.Concat(Enumerable.Range(0, 100).Select(i => $"X-Many-{i}: {i}\r\n")))),
            ("a request line too long", Get("/chat/get/0?q=" + new string('q', 9000))),
            ("a request line at the limit", Get("/chat/get/0?q=" + new string('q', 8150))),
            ("a header too long", Get("/chat/get/0", "X-Big: " + new string('h', 20_000) + "\r\n")),
            ("headers too long in all", Get("/chat/get/0", string.Concat(Enumerable.Range(0, 40).Select(i => $"X-Part-{i}: {new string('p', 500)}\r\n")))),
            ("bare LF", "GET /chat/get/0 HTTP/1.1\nHost: chat\n\n"),
            ("bare LF held", $"GET /chat/get/{chat} HTTP/1.1\nHost: chat\n\n"),
            ("bare LF at the end", "GET /chat/get/0 HTTP/1.1\r\nHost: chat\r\n\n"),
            ("bare CR", "GET /chat/get/0 HTTP/1.1\rHost: chat\r\r\n"),
            ("an empty line first", "\r\nGET /chat/get/0 HTTP/1.1\r\nHost: chat\r\n\r\n"),
            ("two spaces", "GET  /chat/get/0 HTTP/1.1\r\nHost: chat\r\n\r\n"),
            ("a space at the end of the request line", "GET /chat/get/0 HTTP/1.1 \r\nHost: chat\r\n\r\n"),
            ("a tab in the request line", "GET\t/chat/get/0 HTTP/1.1\r\nHost: chat\r\n\r\n"),
            ("TLS ClientHello", "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003" + new string('\u0042', 32) + "\u0000\u0000\u0002\u0013\u0001\u0001\u0000"),
            ("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\u0012\u0004\0\0\0\0\0\0\u0003\0\0\0\u0064\0\u0004\0\u0010\0\0"),
            // Kestrel treats these apart only as a connection's first bytes: after a poll, a path that hands the
            // connection on must not make them first again.
            ("a poll, then the HTTP/2 preface", Get("/chat/get/0") + "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
            ("a poll, then a TLS ClientHello", Get("/chat/get/1") + "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003" + new string('\u0042', 32)),
            ("HTTP/2.0 request", Get("/chat/get/0", version: "HTTP/2.0")),
            ("HTTP/1.2", Get("/chat/get/0", version: "HTTP/1.2")),
            ("lower-case version", Get("/chat/get/0", version: "http/1.1")),
            ("absolute form", Get("http://chat/chat/get/0")),
            ("absolute form held", Get($"http://chat/chat/get/{chat}")),
            ("absolute form, another host", Get("http://evil.example/chat/get/1")),
            ("absolute form, https", Get($"https://chat:443/rooms/{room}/get/0")),
            ("authority form", Get("chat:80", method: "CONNECT")),
            ("asterisk form", Get("*", method: "OPTIONS")),
            ("percent-encoded index", Get("/chat/get/%30")),
            ("percent-encoded room", Get($"/rooms/{PercentFirst(room)}/get/0")),
            ("percent-encoded slash", Get("/chat%2Fget/0")),
            ("percent-encoded room path held", Get($"/%63hat/get/{chat}")),
            ("a bad percent escape", Get("/chat/get/%G0")),
            ("upper-case path", Get("/CHAT/GET/0")),
            ("upper-case room", Get($"/rooms/{room.ToUpperInvariant()}/get/0")),
            ("double slash", Get("/chat//get/0")),
            ("trailing slash", Get("/chat/get/0/")),
            ("dot segment", Get("/chat/./get/0")),
            ("dot-dot segment", Get("/x/../chat/get/1")),
            ("a fragment", Get("/chat/get/0#top")),
            ("leading zeros", Get("/chat/get/00")),
            ("leading zero", Get("/chat/get/01")),
            ("a leading zero at the end", Get($"/chat/get/0{chat}")),
            ("a long index", Get("/chat/get/9223372036854775808")),
            ("no Host", "GET /chat/get/0 HTTP/1.1\r\n\r\n"),
            ("an empty Host", "GET /chat/get/0 HTTP/1.1\r\nHost:\r\n\r\n"),
            ("two Hosts", "GET /chat/get/0 HTTP/1.1\r\nHost: chat\r\nHost: other\r\n\r\n"),
            ("a Host with a port", "GET /chat/get/0 HTTP/1.1\r\nHost: chat:8080\r\n\r\n"),
            ("a bad Host", "GET /chat/get/0 HTTP/1.1\r\nHost: a b\r\n\r\n"),
            ("a Host that is a port", "GET /chat/get/0 HTTP/1.1\r\nHost: :80\r\n\r\n"),
            ("a Host with an empty port", "GET /chat/get/0 HTTP/1.1\r\nHost: chat:\r\n\r\n"),
            ("a Host with letters for a port", "GET /chat/get/0 HTTP/1.1\r\nHost: chat:abc\r\n\r\n"),
            ("a Host with two colons", "GET /chat/get/0 HTTP/1.1\r\nHost: a:b:c\r\n\r\n"),
            ("a Host of IPv6", "GET /chat/get/0 HTTP/1.1\r\nHost: [::1]:80\r\n\r\n"),
            ("a Host of IPv6 unclosed", "GET /chat/get/0 HTTP/1.1\r\nHost: [::1\r\n\r\n"),
            ("a Host of dots", "GET /chat/get/0 HTTP/1.1\r\nHost: ..\r\n\r\n"),
            ("Idempotency-Key on a read", Get("/chat/get/0", "Idempotency-Key: k1\r\n")),
            ("Accept", Get("/chat/get/0", "Accept: application/json\r\nAccept-Encoding: gzip, br\r\nAccept-Language: fr\r\n")),
            ("Range", Get("/chat/get/3", "Range: bytes=0-2\r\n")),
            ("Cookie", Get("/chat/get/0", "Cookie: a=b\r\n")),
            ("Last-Event-ID", Get($"/chat/get/{chat}", "Last-Event-ID: 0\r\n")),
            ("batch", Get($"/rooms/{room}/messages?from=0")),
            ("batch with a limit", Get($"/rooms/{room}/messages?from=1&limit=2")),
            ("batch held", Get($"/rooms/{room}/messages?from={r.RoomNext}")),
            ("batch head", Get("/chat/messages?from=0", method: "HEAD")),
            ("batch, no from", Get("/chat/messages")),
            ("batch, bad from", Get($"/rooms/{room}/messages?from=abc")),
            ("batch, bad limit", Get($"/rooms/{room}/messages?from=0&limit=0")),
            ("batch past the end", Get($"/rooms/{room}/messages?from={r.RoomNext + 3}")),
            ("several rooms", Get($"/messages?from=chat:0,{room}:1")),
            ("several rooms held", Get($"/messages?from=chat:{chat},{room}:{r.RoomNext}")),
            ("several rooms, a room alone", Get($"/messages?from={quiet}")),
            ("several rooms, bad", Get("/messages?from=chat:x")),
            ("room list", Get("/rooms")),
            ("room list, a page", Get("/rooms?limit=1")),
            ("room list, after", Get("/rooms?after=chat&limit=2")),
            ("room list, bad limit", Get("/rooms?limit=-1")),
            ("status chat", Get("/chat")),
            ("status chat, head", Get("/chat", method: "HEAD")),
            ($"status {quiet}", Get($"/rooms/{quiet}")),
            ($"status {room}", Get($"/rooms/{room}")),
            ($"get {quiet} 0", Get($"/rooms/{quiet}/get/0")),
            ("post to a get", Get("/chat/get/0", "Content-Length: 0\r\n", "POST")),
            ("delete a get", Get("/chat/get/0", method: "DELETE")),
            ("put a get", Get($"/chat/get/{chat}", "Content-Length: 0\r\n", "PUT")),
            ("options a get", Get("/chat/get/0", method: "OPTIONS")),
            ("trace", Get("/chat/get/0", method: "TRACE")),
            ("an unknown method", Get("/chat/get/0", method: "BREW")),
            ("a lower-case method", Get("/chat/get/0", method: "get")),
            ("a lower-case head", Get("/chat/get/0", method: "head")),
            ("a get of the post route", Get("/chat/post")),
            ("the page", Get("/")),
            ("the page, head", Get("/index.html", method: "HEAD")),
            ("an unknown path", Get("/nothing/here")),
            ("no version", "GET /chat/get/0\r\n\r\n"),
            ("HTTP/0.9", "GET /chat/get/0\r\n"),
        ]);
        // BadInputSpecs' GET and HEAD requests.
        foreach (var (path, _) in new (string, int)[]
                 {
                     ("/chat/get/abc", 400), ("/chat/get/-1", 400), ("/chat/get/1.5", 400), ("/chat/get/+1", 400), ("/chat/get/0x10", 400),
                     ("/chat/get/%20", 400), ("/chat/get/123456789012345678901234567890", 404), ("/chat/get/9223372036854775807", 404),
                     ("/chat/get/", 404), ("/chat/get", 404), ("/chat/nothing", 404), ("/rooms/bad.name/get/0", 400), ("/rooms/" + new string('a', 65) + "/get/0", 400),
                 })
            e.Add(($"bad input {path[..Math.Min(path.Length, 30)]}", Get(path)));
        e.AddRange(
        [
            ("bad input: no Host", "GET /chat/get/0 HTTP/1.1\r\n\r\n"),
            ("bad input: garbage", "GARBAGE\r\n\r\n"),
            ("bad input: GET alone", "GET\r\n\r\n"),
            ("bad input: HTTP/9.9", "GET / HTTP/9.9\r\nHost: x\r\n\r\n"),
            ("bad input: a NUL in the target", "GET /chat/get/\0 HTTP/1.1\r\nHost: x\r\n\r\n"),
            ("bad input: %00", "GET /chat/get/%00 HTTP/1.1\r\nHost: x\r\n\r\n"),
            ("bad input: %FF%FE", "GET /chat/get/%FF%FE HTTP/1.1\r\nHost: x\r\n\r\n"),
            ("bad input: dot-dot", "GET /chat/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"),
            ("bad input: a long index", "GET /chat/get/" + new string('9', 5000) + " HTTP/1.1\r\nHost: x\r\n\r\n"),
            ("bad input: a long room", "GET /rooms/" + new string('r', 10000) + "/get/0 HTTP/1.1\r\nHost: x\r\n\r\n"),
            ("bad input: a big header", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + new string('h', 64 * 1024) + "\r\n\r\n"),
            ("bad input: a long query", "GET /chat/get/0?" + new string('q', 100_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"),
            ("bad input: absolute form", "GET http://evil.example/chat/get/0 HTTP/1.1\r\nHost: x\r\n\r\n"),
            ("bad input: quotes", "GET /chat/get/0 HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + new string('"', 1000) + "\r\n\r\n"),
            ("bad input: signed Content-Length", $"GET /rooms/{room} HTTP/1.1\r\nHost: x\r\nContent-Length: +0\r\n\r\n"),
            ("bad input: OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"),
            ("bad input: CONNECT", "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n"),
            ("bad input: TRACE", "TRACE /chat/get/0 HTTP/1.1\r\nHost: x\r\n\r\n"),
            ("bad input: BREW", "BREW /chat/get/0 HTTP/1.1\r\nHost: x\r\n\r\n"),
        ]);
        return e.Select(x => new Entry(x.Item1, Bytes(x.Item2))).ToList();
    }

    /// Posts, and reads around them, all in <paramref name="room"/>: each stream gets a room of its own, so the servers'
    /// states stay equal whatever order the streams run in (the room list is read only after every post).
    public static List<Entry> Posts(string room)
    {
        const string form = "Content-Type: application/x-www-form-urlencoded\r\n";
        string Post(string body, string headers = form, string version = "HTTP/1.1") =>
            $"POST /rooms/{room}/post {version}\r\nHost: chat\r\n{headers}Content-Length: {Encoding.Latin1.GetByteCount(body)}\r\n\r\n{body}";
        var multipart = "--b\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nfrom a form\r\n--b--\r\n";
        (string, string)[] e =
        [
            ("post", Post("message=hi")),
            ("post with a name", Post("message=hi+there&name=Ann")),
            ("post non-ASCII", Post("message=%F0%9F%98%80+caf%C3%A9")),
            ("post a NUL", Post("message=a%00b")),
            ("post multipart", Post(multipart, "Content-Type: multipart/form-data; boundary=b\r\n")),
            ("post, close", Post("message=bye", form + "Connection: close\r\n")),
            ("post, Expect", Post("message=expect", form + "Expect: 100-continue\r\n")),
            ("post, idempotent", Post("message=once", form + "Idempotency-Key: key-1\r\n")),
            ("post, a bad key", Post("message=once", form + "Idempotency-Key: \r\n")),
            ("post named, from a client", Post("message=hi&name=Bo", form + "Chat-Client: tab-1\r\n")),
            ("post with a query", $"POST /rooms/{room}/post?client=tab-2 HTTP/1.1\r\nHost: chat\r\n{form}Content-Length: 10\r\n\r\nmessage=hi"),
            ("post, form with a charset", Post("message=hi", "Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n")),
            ("post, chunked", $"POST /rooms/{room}/post HTTP/1.1\r\nHost: chat\r\n{form}Transfer-Encoding: chunked\r\n\r\n7\r\nmessage\r\n3\r\n=ch\r\n0\r\n\r\n"),
            ("post HTTP/1.0", Post("message=old", form, "HTTP/1.0")),
            ("post empty", Post("message=")),
            ("post without a message", Post("text=hi")),
            ("post JSON", Post("{\"message\":\"hi\"}", "Content-Type: application/json\r\n")),
            ("post, signed Content-Length", $"POST /rooms/{room}/post HTTP/1.1\r\nHost: chat\r\n{form}Content-Length: +10\r\n\r\nmessage=hi"),
            ("post, body short", $"POST /rooms/{room}/post HTTP/1.1\r\nHost: chat\r\n{form}Content-Length: 40\r\n\r\nmessage=hi"),
            ("get 0", Get($"/rooms/{room}/get/0")),
            ("get 1", Get($"/rooms/{room}/get/1")),
            ("head 0", Get($"/rooms/{room}/get/0", method: "HEAD")),
            ("batch", Get($"/rooms/{room}/messages?from=0")),
            ("status", Get($"/rooms/{room}")),
        ];
        return e.Select(x => new Entry(x.Item1, Bytes(x.Item2))).ToList();
    }

    private static string PercentFirst(string name) => $"%{(int)name[0]:X2}{name[1..]}";
}
