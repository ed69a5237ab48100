using System.Text.Json;
using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Rooms;

namespace Chat.Host.Endpoints;

/// Outcomes turned into responses. A message body is written as bytes straight to the response pipe
/// (encoded once per fan-out, see <see cref="Outcome.Messages.FirstUtf8"/>): measured here, that alone cut
/// the time to the last of 15,000 waiters by about 15% against `Results.Text` per waiter (PERFORMANCE.md).
public static class Replies
{
    /// Seed: the message at N as `text/plain`, exactly its bytes. <paramref name="personal"/>: a protected room's, which
    /// no shared cache may keep (another reader may not have the right to it).
    public static IResult Message(Outcome.Messages m, bool personal = false) =>
        m.TextReply ??= new MessageResult(m.From, m.FirstUtf8, Cacheable: !m.WasHeld, personal ? Headers.ImmutablePrivate : Headers.Immutable);

    /// Every way a poll can end without messages, the same for the seed poll and the batch.
    public static IResult WithoutMessages(Outcome outcome) => outcome switch
    {
        Outcome.Replied { Reply: Reply.Ahead a } => Problems.Ahead(a),
        Outcome.Expired => Expired(),
        Outcome.Unavailable u => Problems.Unavailable(u.Why),
        Outcome.Refused r => Problems.For(r.Rejection),
        _ => Results.Empty, // Gone: the client hung up; nobody reads this
    };

    /// Seed: nothing was posted before the poll timeout: 204, poll N again.
    public static IResult Expired() => NoContent;

    public static IResult Posted(RoomName room, MessageIndex at, string getPath) =>
        new PostedResult(room, at, getPath);

    /// JSON that describes a room now (a page at its end, its status): never cached.
    public static IResult Json<T>(T value) => new JsonReply<T>(value);

    private static readonly IResult NoContent = new NoContentResult();

    private sealed record JsonReply<T>(T Value) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.Headers.CacheControl = Headers.NoStore;
            return WriteJson(http.Response, Value);
        }
    }

    /// JSON with its length, not chunked: the response leaves in one send, where chunked took a second one for the
    /// terminating chunk (and the client a second read).
    private static Task WriteJson<T>(HttpResponse response, T value)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(value, Endpoints.Json.Options);
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        return response.BodyWriter.WriteAsync(body).AsTask();
    }

    private sealed record MessageResult(MessageIndex At, byte[] Utf8, bool Cacheable, string Caching) : IResult
    {
        private string? _etag;

        public Task ExecuteAsync(HttpContext http)
        {
            var response = http.Response;
            if (Cacheable)
            {
                var etag = _etag ??= Headers.ETag(At, Utf8);
                response.Headers.ETag = etag;
                response.Headers.CacheControl = Caching;
                if (Matches(http.Request.Headers.IfNoneMatch, etag))
                {
                    response.StatusCode = StatusCodes.Status304NotModified;
                    return Task.CompletedTask;
                }
            }
            else response.Headers.CacheControl = Headers.NoStore;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = Headers.PlainText;
            response.ContentLength = Utf8.Length;
            return HttpMethods.IsHead(http.Request.Method) ? Task.CompletedTask : response.BodyWriter.WriteAsync(Utf8).AsTask();
        }
    }

    /// `If-None-Match` names this ETag, or is `*`. A loop, not Any with a lambda: every read of a stored message runs it.
    private static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        foreach (var v in ifNoneMatch)
            if (v is not null && (v.Contains(etag, StringComparison.Ordinal) || v.Trim() == "*")) return true;
        return false;
    }

    private sealed class NoContentResult : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = StatusCodes.Status204NoContent;
            http.Response.Headers.CacheControl = Headers.NoStore;
            return Task.CompletedTask;
        }
    }

    /// 201 with `Location` naming where the message can be read, and its index in the body.
    private sealed record PostedResult(RoomName Room, MessageIndex At, string GetPath) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            var response = http.Response;
            response.StatusCode = StatusCodes.Status201Created;
            response.Headers.Location = GetPath;
            response.Headers.CacheControl = Headers.NoStore;
            return WriteJson(response, new PostedBody(Room.Value, At.Value));
        }
    }

    public sealed record PostedBody(string Room, long Index);
}

/// JSON as the API speaks it: camelCase, no indentation, letters of every script as themselves
/// (HTML-significant characters stay escaped, so a page that misuses innerHTML still gets no markup).
public static class Json
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
    };
}
