using Chat.Specs.Http;
using Snapshooter.Xunit;

namespace Chat.Specs.Snapshots;

/// A batch answer and the first bytes of an event stream, pinned. Messages are stamped by a stopped clock.
public sealed class RoomExchanges
{
    [Fact]
    public async Task Batch_response()
    {
        var name = Snapshot.FullName();
        var clock = new StoppedClock(new DateTimeOffset(2026, 12, 1, 9, 30, 0, 123, TimeSpan.Zero));
        await using var server = await ChatServer.StartAsync(clock);
        using var client = server.Client();
        foreach (var (text, author) in new[] { ("first", null), ("two\nlines", "Ann"), ("ü€😀", "Zoë <b>") })
        {
            await client.PostAsync("/rooms/lobby/post", new FormUrlEncodedContent(author is null ? [new("message", text)] : [new("message", text), new("name", author)]));
            clock.Advance(TimeSpan.FromMilliseconds(1500));
        }
        var response = await RawHttp.SendAsync(server.Address, "GET /rooms/lobby/messages?from=1&limit=5 HTTP/1.1\r\nHost: chat\r\nConnection: close\r\n\r\n");
        Snapshot.Match(new SeedExchanges.Exchange("GET /rooms/lobby/messages?from=1&limit=5", response.StatusLine,
            response.Headers.Where(h => h.Name != "Date").Select(h => $"{h.Name}: {h.Value}").ToArray(), response.Text), name);
    }

    [Fact]
    public async Task Event_stream_first_bytes()
    {
        var name = Snapshot.FullName();
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        foreach (var text in new[] { "first", "two\nlines" }) await client.PostAsync(text, "/rooms/lobby/post");
        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/rooms/lobby/events?from=0"), HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var expected = "retry: 1000\n\nid: 0\ndata: first\n\nid: 1\ndata: two\ndata: lines\n\n".Length;
        var bytes = new byte[expected];
        using var bound = new CancellationTokenSource(Wire.Bound);
        await body.ReadExactlyAsync(bytes, bound.Token);
        Snapshot.Match(new
        {
            Status = (int)response.StatusCode,
            ContentType = response.Content.Headers.ContentType!.ToString(),
            CacheControl = response.Headers.CacheControl!.ToString(),
            Buffering = string.Join(",", response.Headers.GetValues("X-Accel-Buffering")),
            Body = System.Text.Encoding.UTF8.GetString(bytes),
        }, name);
    }
}
