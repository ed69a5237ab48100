using System.Text.Json;
using Chat.Core.Values;
using Chat.Host.Rooms;

namespace Chat.Host.Endpoints;

/// The chat's own responses (problem+json is <see cref="Problems"/>): each makes its status, headers and body with its
/// length (<see cref="Rendered"/>), so it leaves in one send, on either path.
public static class Responses
{
    /// Seed: the message at N as `text/plain`, exactly its bytes (encoded once for every poll the outcome answers).
    /// <paramref name="personal"/>: a protected room's, which no shared cache may keep.
    public static Answer Message(Outcome.Messages m, bool personal) => new MessageAnswer(m, personal);

    /// Seed: N was trimmed. An empty 200, not an error: the tutorial's client retries an error at once, forever, and
    /// moves on after a 200; `Chat-First` says where the room starts.
    public static Answer Trimmed(Chat.Core.Room.Reply.Gone gone, bool personal) => new Made(new Rendered(200,
        [("Cache-Control", personal ? Headers.ImmutablePrivate : Headers.Immutable), (Headers.First, gone.First.ToString()), ("Content-Type", Headers.PlainText)],
        ReadOnlyMemory<byte>.Empty));

    /// Seed: nothing was posted before the poll timeout: 204, poll N again.
    public static readonly Answer NoContent = new Made(new Rendered(204, [("Cache-Control", Headers.NoStore)], ReadOnlyMemory<byte>.Empty, sized: false));

    /// The client hung up: nobody reads a response, and the connection (over HTTP/2, the stream) is closed without
    /// one, as the transport path closes it; an empty 200 could reach a client that had only half-closed.
    public static readonly IResult Nothing = new HungUp();

    private sealed class HungUp : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Abort();
            return Task.CompletedTask;
        }
    }

    /// 201 with `Location` naming where the message can be read, and its index in the body.
    public static Answer Posted(RoomName room, MessageIndex at, string getPath) =>
        new Made(Json(201, new PostedBody(room.Value, at.Value), ("Location", getPath)));

    /// JSON that describes a room now (a page at its end, its status): never cached.
    public static Answer Json<T>(T value) => new Made(Json(200, value));

    public sealed record PostedBody(string Room, long Index);

    /// An answer that does not depend on how it was asked.
    public sealed class Made(Rendered rendered) : Answer
    {
        public override Rendered Render(IAsked asked) => rendered;
    }

    /// With its length, not chunked: chunked takes a second send for the terminating chunk.
    public static Rendered Json<T>(int status, T value, params (string, string)[] more) =>
        new(status, [.. more, ("Cache-Control", Headers.NoStore), ("Content-Type", "application/json; charset=utf-8")],
            JsonSerializer.SerializeToUtf8Bytes(value, Endpoints.Json.Options));

    /// A message read at once may be cached and revalidated (ETag, 304); one that a held poll waited for may not. Either
    /// 200 is rendered once for every poll the same outcome answers. A message may be removed later, so it is
    /// revalidated; a removal, a placeholder and a trimmed index are final.
    private sealed class MessageAnswer(Outcome.Messages m, bool personal) : Answer
    {
        public override Rendered Render(IAsked asked)
        {
            if (m.WasHeld) return m.Once(personal ? HeldPersonal : HeldShared);
            var ok = m.Once(personal ? ReadPersonal : ReadShared);
            return asked.IfNoneMatch is { } ifNoneMatch && Matches(ifNoneMatch, Headers.ETag(m.From, m.Digest))
                ? new Rendered(304, [.. ok.Headers.Where(h => h.Name != "Content-Type")], ReadOnlyMemory<byte>.Empty, sized: false)
                : ok;
        }

        private static readonly Func<Outcome.Messages, Rendered> HeldShared = m => Held(m), HeldPersonal = m => Held(m),
            ReadShared = m => Read(m, personal: false), ReadPersonal = m => Read(m, personal: true);

        private static Rendered Held(Outcome.Messages m) =>
            new(200, [.. Removal(m), ("Cache-Control", Headers.NoStore), ("Content-Type", Headers.PlainText)], m.FirstUtf8);

        private static Rendered Read(Outcome.Messages m, bool personal)
        {
            var entry = m.Items[0];
            var final = entry.Removes.IsSome || entry.RemovedBy.IsSome;
            var cache = (final, personal) switch
            {
                (true, false) => Headers.Immutable,
                (true, true) => Headers.ImmutablePrivate,
                (false, false) => Headers.Revalidate,
                (false, true) => Headers.RevalidatePrivate,
            };
            return new(200, [.. Removal(m), ("ETag", Headers.ETag(m.From, m.Digest)), ("Cache-Control", cache), ("Content-Type", Headers.PlainText)], m.FirstUtf8);
        }

        /// A removal, or a removed message's placeholder, says so (its body is empty).
        private static IEnumerable<(string, string)> Removal(Outcome.Messages m)
        {
            var entry = m.Items[0];
            if (entry.Removes.Case is MessageIndex removes) yield return (Headers.Removes, removes.ToString());
            if (entry.RemovedBy.Case is MessageIndex by) yield return (Headers.RemovedBy, by.ToString());
        }
    }

    /// `If-None-Match` names this ETag, or is `*`.
    private static bool Matches(string? ifNoneMatch, string etag) =>
        ifNoneMatch is not null && (ifNoneMatch.Contains(etag, StringComparison.Ordinal) || ifNoneMatch.Split(',').Any(v => v.Trim() == "*"));
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
