using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;

namespace Chat.Specs.Http;

/// Three real Host processes sharing rooms through one real redis-server. Posters post to every node at once,
/// a follower follows each node, and every follower must end with the identical, complete sequence: the same
/// number for the same message everywhere, nothing lost, nothing twice, even when links drop or Redis restarts.
public sealed class MultiNodeSpecs
{
    private const int PostsPerNode = 30;

    public enum Fault { None, KillClientLinks, RestartRedis }

    [Theory]
    [InlineData(Fault.None)]
    [InlineData(Fault.KillClientLinks)]
    [InlineData(Fault.RestartRedis)]
    public async Task Followers_on_every_node_see_one_identical_complete_sequence(Fault fault)
    {
        await using var redis = await RedisServer.StartAsync();
        using var folder = new TempFolder("chat-nodes-");
        var nodes = new List<ChildHost>();
        try
        {
            for (var i = 0; i < 3; i++)
                nodes.Add(await ChildHost.StartAsync(folder.File($"node{i}.db"), $"--Redis:Configuration={redis.Configuration}"));
            var total = PostsPerNode * nodes.Count;
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            var followers = nodes.Select(node => FollowAsync(node, total, bound.Token)).ToList();

            var progress = new Progress();
            var posters = nodes.Select((node, n) => PostAllAsync(node, n, progress, bound.Token)).ToList();
            while (progress.Acknowledged < total / 3) await Task.Delay(5, bound.Token); // strike mid-run
            if (fault == Fault.KillClientLinks)
            {
                await redis.CliAsync("CLIENT", "KILL", "TYPE", "normal");
                await redis.CliAsync("CLIENT", "KILL", "TYPE", "pubsub");
            }
            if (fault == Fault.RestartRedis) await redis.RestartAsync(down: TimeSpan.FromMilliseconds(500));
            await Task.WhenAll(posters);
            if (fault == Fault.RestartRedis) Assert.True(progress.Refused > 0, "no post met the outage: the fault came too late");

            var sequences = await Task.WhenAll(followers);
            Assert.All(sequences, s => Assert.Equal(sequences[0], s));
            Assert.Equal(total, sequences[0].Count);
            Assert.Equal(total, sequences[0].Distinct().Count());
            for (var n = 0; n < nodes.Count; n++)
            {
                var mine = sequences[0].Where(m => m.StartsWith($"n{n}-", StringComparison.Ordinal)).ToList();
                Assert.Equal(mine.Order(StringComparer.Ordinal), mine);
            }
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync();
        }
    }

    /// Posts 30 messages in order; a refused post (503 while Redis is away) is retried with the same
    /// Idempotency-Key, so a post whose answer was lost is not stored twice.
    private sealed class Progress
    {
        public int Acknowledged;
        public int Refused;
    }

    private static Task PostAllAsync(ChildHost node, int n, Progress progress, CancellationToken cancel) => Task.Run(async () =>
    {
        using var client = node.Client();
        for (var i = 0; i < PostsPerNode; i++)
        {
            var text = $"n{n}-{i:D2}";
            while (true)
            {
                cancel.ThrowIfCancellationRequested();
                try
                {
                    var request = new HttpRequestMessage(HttpMethod.Post, "/chat/post") { Content = new FormUrlEncodedContent([new("message", text)]) };
                    request.Headers.Add("Idempotency-Key", text);
                    using var response = await client.SendAsync(request, cancel);
                    await Task.Delay(10, cancel); // paced, so that the fault strikes while posts are still coming
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        Interlocked.Increment(ref progress.Acknowledged);
                        break;
                    }
                    Interlocked.Increment(ref progress.Refused);
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                    Assert.NotNull(response.Headers.RetryAfter);
                }
                catch (HttpRequestException) { Interlocked.Increment(ref progress.Refused); }
                await Task.Delay(100, cancel);
            }
        }
    }, cancel);

    /// The seed client's loop against one node, until it has <paramref name="total"/> messages.
    private static Task<List<string>> FollowAsync(ChildHost node, int total, CancellationToken cancel) => Task.Run(async () =>
    {
        using var client = node.Client();
        var seen = new List<string>();
        while (seen.Count < total)
        {
            try
            {
                using var response = await client.GetAsync($"/chat/get/{seen.Count}", cancel);
                if (response.StatusCode == HttpStatusCode.OK) seen.Add(await response.Content.ReadAsStringAsync(cancel));
                else if (response.StatusCode != HttpStatusCode.NoContent) await Task.Delay(50, cancel); // 404: this node is behind
            }
            catch (HttpRequestException) { await Task.Delay(50, cancel); }
        }
        return seen;
    }, cancel);

    /// A node that has not loaded the room yet, hit by a thousand polls at once (what a load balancer does after a
    /// deploy): the room is restored from Redis once, no request thread waits on Redis meanwhile, and every poll is
    /// held and then answered with the message. Blocking threads on the restore starved the very thread pool Redis's
    /// answer needed: the restore timed out after 5 s and polls got 503 (found by bench/run's chat-redis fan-out).
    [Fact]
    public async Task A_cold_node_hit_by_a_thousand_polls_restores_the_room_once_and_holds_them_all()
    {
        const int polls = 1000;
        await using var redis = await RedisServer.StartAsync();
        using var folder = new TempFolder("chat-cold-");
        await using var warm = await ChildHost.StartAsync(folder.File("warm.db"), $"--Redis:Configuration={redis.Configuration}");
        await using var cold = await ChildHost.StartAsync(folder.File("cold.db"), $"--Redis:Configuration={redis.Configuration}",
            $"--Chat:MaxWaitersPerClient={polls}");
        using var poster = warm.Client();
        Assert.Equal(HttpStatusCode.Created, (await poster.PostAsync("/chat/post", Form("first"))).StatusCode);

        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var followers = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = polls }) { BaseAddress = cold.Address, Timeout = TimeSpan.FromSeconds(60) };
        var held = Enumerable.Range(0, polls).Select(_ => followers.GetAsync("/chat/get/1", bound.Token)).ToList();
        using var status = cold.Client();
        while (!(await status.GetStringAsync("/rooms/chat", bound.Token)).Contains($"\"held\":{polls}", StringComparison.Ordinal))
        {
            Assert.DoesNotContain(held, h => h.IsCompleted); // none answered early (a 503 from a failed restore would be)
            await Task.Delay(50, bound.Token);
        }
        Assert.Equal(HttpStatusCode.Created, (await poster.PostAsync("/chat/post", Form("second"), bound.Token)).StatusCode);

        var answers = await Task.WhenAll(held);
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.All(await Task.WhenAll(answers.Select(a => a.Content.ReadAsStringAsync(bound.Token))), text => Assert.Equal("second", text));
        Assert.DoesNotContain("could not be restored", cold.Stderr + string.Join("\n", await cold.TerminateAndReadStdoutAsync()));
    }

    /// Redis pub/sub is lossy (a broken link loses what it was sent) and always a little late: a node asked for an
    /// index past its own count reads the log before it answers. Here the entry is appended without any announcement
    /// at all, so only the read can find it.
    [Fact]
    public async Task A_node_asked_past_its_count_reads_the_log_before_answering_404()
    {
        await using var redis = await RedisServer.StartAsync();
        using var folder = new TempFolder("chat-behind-");
        await using var a = await ChildHost.StartAsync(folder.File("a.db"), $"--Redis:Configuration={redis.Configuration}");
        await using var b = await ChildHost.StartAsync(folder.File("b.db"), $"--Redis:Configuration={redis.Configuration}");
        using var onA = a.Client();
        using var onB = b.Client();
        Assert.Equal(HttpStatusCode.Created, (await onA.PostAsync("/chat/post", Form("announced"))).StatusCode);
        Assert.Equal((HttpStatusCode.OK, "announced"), await onB.GetTextAsync("/chat/get/0"));

        Assert.Equal("3", await redis.CliAsync("RPUSH", "chat:{chat}:log", "never announced", "nor this"));

        // B's count is 1, so 2 is past its end, but not past the log's (3).
        Assert.Equal((HttpStatusCode.OK, "nor this"), await onB.GetTextAsync("/chat/get/2"));
        Assert.Equal((HttpStatusCode.OK, "never announced"), await onB.GetTextAsync("/chat/get/1"));
        Assert.Equal(HttpStatusCode.NotFound, (await onB.GetAsync("/chat/get/4")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await onA.PostAsync("/chat/post", Form("fourth"))).StatusCode);
        Assert.Equal((HttpStatusCode.OK, "fourth"), await onB.GetTextAsync("/chat/get/3"));
        Assert.Equal("{\"rooms\":[{\"room\":\"chat\",\"next\":4}],\"after\":null}", await onB.GetStringAsync("/rooms")); // the room list reads Redis too
    }

    /// An entry whose announcement never comes (Redis drops none without dropping the link, but a subscriber whose
    /// output buffer overflows loses them): the node's periodic read of the log answers the held poll, long before
    /// its timeout. Without that read, the poll waits for the next post or its 30 s timeout.
    [Fact]
    public async Task A_held_poll_is_answered_from_the_log_when_its_entry_is_never_announced()
    {
        await using var redis = await RedisServer.StartAsync();
        using var folder = new TempFolder("chat-unannounced-");
        await using var node = await ChildHost.StartAsync(folder.File("node.db"), $"--Redis:Configuration={redis.Configuration}",
            "--Redis:CatchUpEvery=00:00:00.200", "--Chat:PollTimeout=00:00:30");
        using var client = node.Client();
        var held = client.GetTextAsync("/chat/get/0");
        await client.UntilHeldAsync(1);

        Assert.Equal("1", await redis.CliAsync("RPUSH", "chat:{chat}:log", "never announced"));

        Assert.Equal((HttpStatusCode.OK, "never announced"), await held.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    private static FormUrlEncodedContent Form(string message) => new([new("message", message)]);

    /// A room's status says where the shared log ends, not where this node's announcements have got to: a client
    /// told "stored at N" by any node must not hear `next` N afterwards (found by the history checker: a status
    /// read right after an acknowledgement, from the same node, said next N, the announcement still on its way).
    [Fact]
    public async Task A_status_counts_what_the_log_holds_even_before_this_node_hears_of_it()
    {
        await using var redis = await RedisServer.StartAsync();
        using var folder = new TempFolder("chat-status-");
        await using var node = await ChildHost.StartAsync(folder.File("node.db"), $"--Redis:Configuration={redis.Configuration}");
        using var client = node.Client();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/chat/post", Form("announced"))).StatusCode);
        Assert.Equal(1, (await client.GetFromJsonAsync<Wire.RoomStatus>("/rooms/chat"))!.Next);

        Assert.Equal("3", await redis.CliAsync("RPUSH", "chat:{chat}:log", "never announced", "nor this"));

        Assert.Equal(3, (await client.GetFromJsonAsync<Wire.RoomStatus>("/rooms/chat"))!.Next);
    }

    /// Redis stopped (SIGSTOP) for longer than the node's timeout: the append was sent, so the node cannot say it
    /// was not stored, and it is (Redis runs it when resumed). The answer is 503 "Outcome unknown", never "Not
    /// stored"; a retry with the same key then answers the index the first attempt got, and the log holds it once.
    /// Found by the history checker: a post answered "Not stored" was in the log, and its retry stored it again.
    [Fact]
    public async Task A_post_Redis_did_not_answer_is_an_unknown_outcome_and_its_keyed_retry_finds_it_stored_once()
    {
        await using var redis = await RedisServer.StartAsync();
        using var folder = new TempFolder("chat-stopped-");
        await using var node = await ChildHost.StartAsync(folder.File("node.db"), $"--Redis:Configuration={redis.Configuration},asyncTimeout=1000,syncTimeout=1000");
        using var client = node.Client();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/chat/post", Form("before"))).StatusCode);
        HttpRequestMessage Keyed() => new(HttpMethod.Post, "/chat/post") { Content = Form("while stopped"), Headers = { { "Idempotency-Key", "stopped-1" } } };

        redis.Pause();
        HttpResponseMessage unanswered;
        try { unanswered = await client.SendAsync(Keyed()).WaitAsync(Wire.Bound); }
        finally { redis.Resume(); }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unanswered.StatusCode);
        Assert.NotNull(unanswered.Headers.RetryAfter);
        Assert.Equal("Outcome unknown", JsonDocument.Parse(await unanswered.Content.ReadAsStringAsync()).RootElement.GetProperty("title").GetString());

        var deadline = DateTime.UtcNow + Wire.Bound;
        HttpResponseMessage retried;
        while ((retried = await client.SendAsync(Keyed()).WaitAsync(Wire.Bound)).StatusCode != HttpStatusCode.Created && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Equal("{\"room\":\"chat\",\"index\":1}", await retried.Content.ReadAsStringAsync());
        Assert.Equal("2", await redis.CliAsync("LLEN", "chat:{chat}:log"));
    }

    /// A message older than the room's window is read from Redis; while Redis does not answer, the seed route and the
    /// batch say 503 with Retry-After (found by the history checker over a cluster: a 500 during a failover).
    [Fact]
    public async Task A_read_of_older_messages_Redis_does_not_answer_is_503_not_500()
    {
        await using var redis = await RedisServer.StartAsync();
        using var folder = new TempFolder("chat-read-stopped-");
        await using var node = await ChildHost.StartAsync(folder.File("node.db"),
            $"--Redis:Configuration={redis.Configuration},asyncTimeout=1000,syncTimeout=1000", "--Chat:WindowCount=2");
        using var client = node.Client();
        for (var i = 0; i < 4; i++) Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/chat/post", Form($"m{i}"))).StatusCode);
        Assert.Equal((HttpStatusCode.OK, "m0"), await client.GetTextAsync("/chat/get/0")); // out of the window: from Redis

        redis.Pause();
        try
        {
            foreach (var path in new[] { "/chat/get/0", "/rooms/chat/messages?from=0" })
            {
                using var answer = await client.GetAsync(path).WaitAsync(Wire.Bound);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
                Assert.NotNull(answer.Headers.RetryAfter);
                Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
            }
        }
        finally { redis.Resume(); }
    }

    [Fact]
    public async Task Readiness_shows_the_redis_link()
    {
        await using var redis = await RedisServer.StartAsync();
        using var folder = new TempFolder("chat-ready-");
        await using var node = await ChildHost.StartAsync(folder.File("node.db"), $"--Redis:Configuration={redis.Configuration}");
        using var client = node.Client();
        var ready = await client.GetStringAsync("/readyz");
        Assert.Contains("\"redis\":{\"status\":\"Healthy\"", ready);
    }
}
