using System.Net;

namespace Chat.Specs.Http;

/// Server-Sent Events per room: replay, then live, resumable at any index.
public sealed class EventsSpecs() : SharedServer("--Chat:KeepAlive=00:00:00.200", "--Chat:WindowCount=4")
{
    [Fact]
    public async Task A_stream_replays_history_then_goes_live_with_no_gap_or_duplicate()
    {
        var room = NewRoom("e");
        for (var i = 0; i < 10; i++) await Client.PostAsync($"m{i}", $"/rooms/{room}/post"); // past the window of 4
        await using var events = await SseReader.OpenAsync(Client, $"/rooms/{room}/events?from=0");
        Assert.Equal("text/event-stream", events.Response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("no", events.Response.Headers.Single("X-Accel-Buffering"));
        Assert.Equal("no-store", events.Response.Headers.Single("Cache-Control"));

        var history = await events.TakeAsync(10);
        await Client.PostAsync("live", $"/rooms/{room}/post");
        var live = await events.NextAsync();

        Assert.Equal(Enumerable.Range(0, 10).Select(i => ((long)i, $"m{i}")), history);
        Assert.Equal((10L, "live"), live);
    }

    [Fact]
    public async Task A_stream_resumes_after_Last_Event_ID_at_every_seam()
    {
        var room = NewRoom("e");
        const int n = 8;
        for (var i = 0; i < n; i++) await Client.PostAsync($"m{i}", $"/rooms/{room}/post");
        for (var seam = 0; seam <= n; seam++)
        {
            await using var events = await SseReader.OpenAsync(Client, $"/rooms/{room}/events", lastEventId: seam == 0 ? null : (seam - 1).ToString());
            if (seam == 0)
            {
                // No Last-Event-ID and no `from`: the stream starts at the room's end.
                await Client.PostAsync($"m{n}", $"/rooms/{room}/post");
                Assert.Equal((n, $"m{n}"), await events.NextAsync());
                continue;
            }
            var got = await events.TakeAsync(n + 1 - seam);
            Assert.Equal(Enumerable.Range(seam, n + 1 - seam).Select(i => ((long)i, $"m{i}")), got);
        }
    }

    [Fact]
    public async Task Multi_line_and_unicode_text_comes_through_intact()
    {
        var room = NewRoom("e");
        string[] texts = ["line one\nline two\n\nline four", "emoji 😀, ü€, 中文", "data: not a field\nid: 99", " leading space", ""];
        foreach (var text in texts.Where(t => t.Length > 0)) await Client.PostAsync(text, $"/rooms/{room}/post");
        await using var events = await SseReader.OpenAsync(Client, $"/rooms/{room}/events?from=0");
        var got = await events.TakeAsync(4);
        Assert.Equal(texts.Where(t => t.Length > 0), got.Select(e => e.Data));
    }

    [Fact]
    public async Task An_idle_stream_gets_keep_alive_comments()
    {
        await using var events = await SseReader.OpenAsync(Client, $"/rooms/{NewRoom("e")}/events");
        var next = events.NextAsync();
        var deadline = DateTime.UtcNow + Wire.Bound;
        while (events.Comments.Count < 2 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Contains(": keep-alive", events.Comments);
    }

    [Theory]
    [InlineData("?from=abc", null, 400)]
    [InlineData("?from=-1", null, 400)]
    [InlineData("", "abc", 400)]
    [InlineData("?from=5", null, 404)]
    public async Task Bad_resume_points_are_a_clear_4xx(string query, string? lastEventId, int status)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/rooms/{NewRoom("e")}/events{query}");
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        using var response = await Client.SendAsync(request).WaitAsync(Wire.Bound);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
