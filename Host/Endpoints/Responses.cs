using System.Text.Json;
using Chat.Core.Values;
using Chat.Host.Rooms;

namespace Chat.Host.Endpoints;

/// The chat's own responses (problem+json is <see cref="Problems"/>): each sets its status and headers and writes
/// its body with its length, so it leaves in one send.
public static class Responses
{
    /// Seed: the message at N as `text/plain`, exactly its bytes, written straight to the response pipe (encoded once
    /// for every poll the outcome answers). <paramref name="personal"/>: a protected room's, which no shared cache may keep.
    public static IResult Message(Outcome.Messages m, bool personal) => new MessageResponse(m, personal);

    /// Seed: N was trimmed. An empty 200, not an error: the tutorial's client retries an error at once, forever, and
    /// moves on after a 200; `Chat-First` says where the room starts.
    public static IResult Trimmed(Chat.Core.Room.Reply.Gone gone, bool personal) => new TrimmedResponse(gone, personal);

    /// Seed: nothing was posted before the poll timeout: 204, poll N again.
    public static readonly IResult NoContent = new NoContentResponse();

    /// The client hung up: nobody reads the response.
    public static readonly IResult Nothing = Results.Empty;

    /// 201 with `Location` naming where the message can be read, and its index in the body.
    public static IResult Posted(RoomName room, MessageIndex at, string getPath) => new PostedResponse(room, at, getPath);

    /// JSON that describes a room now (a page at its end, its status): never cached.
    public static IResult Json<T>(T value) => new JsonResponse<T>(value);

    public sealed record PostedBody(string Room, long Index);

    private sealed record JsonResponse<T>(T Value) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.Headers.CacheControl = Headers.NoStore;
            return WriteJson(http.Response, Value);
        }
    }

    /// With its length, not chunked: chunked takes a second send for the terminating chunk.
    private static Task WriteJson<T>(HttpResponse response, T value)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(value, Endpoints.Json.Options);
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        return response.BodyWriter.WriteAsync(body).AsTask();
    }

    /// A message read at once may be cached and revalidated (ETag, 304); one that a held poll waited for may not.
    /// A message may be removed later, so it is revalidated; a removal, a placeholder and a trimmed index are final.
    private sealed class MessageResponse(Outcome.Messages m, bool personal) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            var response = http.Response;
            var entry = m.Items[0];
            entry.Removes.IfSome(at => response.Headers[Headers.Removes] = at.ToString());
            entry.RemovedBy.IfSome(at => response.Headers[Headers.RemovedBy] = at.ToString());
            if (!m.WasHeld)
            {
                var etag = Headers.ETag(m.From, m.Digest);
                response.Headers.ETag = etag;
                var final = entry.Removes.IsSome || entry.RemovedBy.IsSome;
                response.Headers.CacheControl = (final, personal) switch
                {
                    (true, false) => Headers.Immutable,
                    (true, true) => Headers.ImmutablePrivate,
                    (false, false) => Headers.Revalidate,
                    (false, true) => Headers.RevalidatePrivate,
                };
                if (Matches(http.Request.Headers.IfNoneMatch, etag))
                {
                    response.StatusCode = StatusCodes.Status304NotModified;
                    return Task.CompletedTask;
                }
            }
            else response.Headers.CacheControl = Headers.NoStore;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = Headers.PlainText;
            response.ContentLength = m.FirstUtf8.Length;
            return HttpMethods.IsHead(http.Request.Method) ? Task.CompletedTask : response.BodyWriter.WriteAsync(m.FirstUtf8).AsTask();
        }
    }

    /// `If-None-Match` names this ETag, or is `*`.
    private static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        foreach (var v in ifNoneMatch)
            if (v is not null && (v.Contains(etag, StringComparison.Ordinal) || v.Trim() == "*")) return true;
        return false;
    }

    private sealed class TrimmedResponse(Chat.Core.Room.Reply.Gone gone, bool personal) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            var response = http.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.Headers.CacheControl = personal ? Headers.ImmutablePrivate : Headers.Immutable;
            response.Headers[Headers.First] = gone.First.ToString();
            response.ContentType = Headers.PlainText;
            response.ContentLength = 0;
            return Task.CompletedTask;
        }
    }

    private sealed class NoContentResponse : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = StatusCodes.Status204NoContent;
            http.Response.Headers.CacheControl = Headers.NoStore;
            return Task.CompletedTask;
        }
    }

    private sealed record PostedResponse(RoomName Room, MessageIndex At, string GetPath) : IResult
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
