using System.Net;
using System.Text;

namespace Chat.Specs.Http;

/// The seed protocol (`/chat/post`, `/chat/get/N`) against the real host on a loopback socket.
public sealed class SeedProtocolSpecs
{
    [Fact]
    public async Task An_existing_message_comes_back_at_once_as_plain_text_cacheable_and_revalidated()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        (await client.PostAsync("hello")).EnsureSuccessStatusCode();

        using var response = await client.GetAsync("/chat/get/0").WaitAsync(Wire.Bound);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.Single("Content-Type"));
        Assert.Equal("hello", await response.Content.ReadAsStringAsync());
        Assert.Equal("public, no-cache", response.Headers.Single("Cache-Control")); // kept, revalidated: a moderator may remove it
        Assert.False(response.Headers.ETag!.IsWeak);
    }

    [Fact]
    public async Task A_known_etag_is_answered_304()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        await client.PostAsync("hello");
        using var first = await client.GetAsync("/chat/get/0");

        var again = new HttpRequestMessage(HttpMethod.Get, "/chat/get/0");
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var second = await client.SendAsync(again).WaitAsync(Wire.Bound);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }

    [Fact]
    public async Task Get_at_count_is_held_until_the_next_post_then_every_waiter_gets_it_uncached()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        var waiters = Enumerable.Range(0, 5).Select(_ => client.GetAsync("/chat/get/0")).ToList();
        await client.UntilHeldAsync(5);
        Assert.All(waiters, w => Assert.False(w.IsCompleted));

        await client.PostAsync("news");

        foreach (var waiter in waiters)
        {
            using var response = await waiter.WaitAsync(Wire.Bound);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("news", await response.Content.ReadAsStringAsync());
            Assert.Equal("no-store", response.Headers.Single("Cache-Control"));
        }
        await client.UntilHeldAsync(0);
    }

    [Fact]
    public async Task Get_past_the_count_is_404_problem_not_cached()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        await client.PostAsync("one");

        using var response = await client.GetAsync("/chat/get/2").WaitAsync(Wire.Bound);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("no-store", response.Headers.Single("Cache-Control"));
    }

    [Fact]
    public async Task A_poll_with_nothing_posted_is_answered_204_at_its_timeout_and_not_cached()
    {
        await using var server = await ChatServer.StartAsync("--Chat:PollTimeout=00:00:00.300");
        using var client = server.Client();
        var started = DateTime.UtcNow;

        using var response = await client.GetAsync("/chat/get/0").WaitAsync(Wire.Bound);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(250), "answered before its timeout");
        Assert.Equal("no-store", response.Headers.Single("Cache-Control"));
        await client.UntilHeldAsync(0);
    }

    [Fact]
    public void The_default_poll_timeout_is_30_seconds() =>
        Assert.Equal(TimeSpan.FromSeconds(30), new Host.Options.ChatOptions().PollTimeout);

    [Theory]
    [InlineData("plain")]
    [InlineData("emoji 😀 and ü€")]
    [InlineData("line one\r\nline two\nthree")]
    [InlineData("<b>&amp;</b> + = % & ?")]
    [InlineData("  leading and trailing spaces  ")]
    public async Task Text_comes_back_byte_for_byte_posted_urlencoded_or_multipart(string text)
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        (await client.PostAsync(text)).EnsureSuccessStatusCode();
        (await client.PostMultipartAsync(text)).EnsureSuccessStatusCode();

        foreach (var n in new[] { 0, 1 })
        {
            using var response = await client.GetAsync($"/chat/get/{n}").WaitAsync(Wire.Bound);
            Assert.Equal(Encoding.UTF8.GetBytes(text), await response.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task A_post_is_answered_201_with_its_index_and_where_to_read_it()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        await client.PostAsync("zero");

        using var response = await client.PostAsync("one");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/chat/get/1", response.Headers.Location!.OriginalString);
        Assert.Equal("""{"room":"chat","index":1}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_client_that_hangs_up_is_forgotten_at_once()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        using var cancel = new CancellationTokenSource();
        var poll = client.GetAsync("/chat/get/0", cancel.Token);
        await client.UntilHeldAsync(1);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => poll);
        await client.UntilHeldAsync(0);
    }

    /// Seed: the tutorial's client, a form post and `read_data()` with a 10 s client timeout that re-polls on
    /// any error. Here the client's timeout is shorter than the server's, as in the seed (10 s against 30 s),
    /// scaled down so the spec runs fast: every abandoned poll is forgotten and no message is missed.
    [Fact]
    public async Task The_seed_client_loop_works_unchanged_and_loses_nothing_when_it_times_out()
    {
        await using var server = await ChatServer.StartAsync();
        using var poster = server.Client();
        using var reader = server.Client(timeout: TimeSpan.FromMilliseconds(300));
        var seen = new List<string>();
        var count = 0;
        var posts = Task.Run(async () =>
        {
            for (var i = 0; i < 5; i++)
            {
                await Task.Delay(400);
                await poster.PostAsync($"m{i}");
            }
        });

        var deadline = DateTime.UtcNow + Wire.Bound;
        while (seen.Count < 5 && DateTime.UtcNow < deadline)
        {
            try
            {
                var response = await reader.GetAsync($"/chat/get/{count}");
                if (response.StatusCode != HttpStatusCode.OK) continue; // the seed's `error:` re-polls
                seen.Add(await response.Content.ReadAsStringAsync());
                count++;
            }
            catch (TaskCanceledException) { } // its 10 s `timeout:` fired: `error:` polls again
        }

        await posts;
        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], seen);
        await poster.UntilHeldAsync(0);
    }
}
