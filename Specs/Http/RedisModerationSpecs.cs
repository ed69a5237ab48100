using System.Net;
using System.Text;
using System.Text.Json;

namespace Chat.Specs.Http;

/// Removals and retention over Redis: two real Host processes on one real redis-server (append-only file on). A
/// removal made on one node reaches the other's followers in order, both read the placeholder, and the removed text
/// is in no Redis key and, once Redis has rewritten its append-only file, in no file of its folder. Retention trims the
/// shared list and both nodes say where the room starts. Redis is told `rdbcompression no`: the rewritten file starts
/// with an RDB image, whose strings would otherwise be LZF-compressed and could hide a text from a byte search.
public sealed class RedisModerationSpecs
{
    private static readonly string Moderator = Tokens.Moderator(["*"]);

    /// Every spec's nodes: Redis, moderation on, erasures rewritten at once (or every <paramref name="rewriteEvery"/>).
    private static string[] Settings(RedisServer redis, string rewriteEvery = "00:00:00.100") =>
    [
        $"--Redis:Configuration={redis.Configuration}", $"--Auth:SigningKey={Tokens.Key}", $"--Redis:RewriteAofEvery={rewriteEvery}",
        "--Chat:PollTimeout=00:00:10",
    ];

    private static async Task<RedisServer> StartRedisAsync()
    {
        var redis = await RedisServer.StartAsync();
        Assert.Equal("OK", await redis.CliAsync("CONFIG", "SET", "rdbcompression", "no"));
        return redis;
    }

    private static FormUrlEncodedContent Form(string message, string name = "Ann") => new([new("message", message), new("name", name)]);

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static async Task<long> PostAsync(HttpClient client, string room, string text, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/rooms/{room}/post") { Content = Form(text) };
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        using var posted = await client.SendAsync(request).WaitAsync(Wire.Bound);
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        return (await JsonOf(posted)).GetProperty("index").GetInt64();
    }

    private static async Task<HttpResponseMessage> DeleteAsync(HttpClient client, string path, string? token) =>
        await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, path).With(token)).WaitAsync(Wire.Bound);

    /// Removes <paramref name="index"/>: 200, and the removal's index.
    private static async Task<long> RemoveAsync(HttpClient client, string room, long index)
    {
        using var removed = await DeleteAsync(client, $"/rooms/{room}/messages/{index}", Moderator);
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        var body = await JsonOf(removed);
        Assert.Equal(room, body.GetProperty("room").GetString());
        Assert.Equal(index, body.GetProperty("index").GetInt64());
        return body.GetProperty("removal").GetInt64();
    }

    /// Every key Redis holds, read as its type is read (and DUMPed): the names of those whose name or value holds the text.
    private static async Task<List<string>> KeysHoldingAsync(RedisServer redis, string text)
    {
        var holding = new List<string>();
        foreach (var key in (await redis.CliAsync("--scan")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var value = await redis.CliAsync("TYPE", key) switch
            {
                "string" => await redis.CliAsync("GET", key),
                "list" => await redis.CliAsync("LRANGE", key, "0", "-1"),
                "zset" => await redis.CliAsync("ZRANGE", key, "0", "-1", "WITHSCORES"),
                "set" => await redis.CliAsync("SMEMBERS", key),
                "hash" => await redis.CliAsync("HGETALL", key),
                var other => $"(a {other}: not read)",
            };
            if (key.Contains(text, StringComparison.Ordinal) || value.Contains(text, StringComparison.Ordinal)
                || (await redis.CliAsync("DUMP", key)).Contains(text, StringComparison.Ordinal))
                holding.Add(key);
        }
        return holding;
    }

    private static List<string> FilesHolding(string folder, string text) => Disk.FilesHolding(folder, text);

    private static async Task<Dictionary<string, string>> PersistenceAsync(RedisServer redis) =>
        (await redis.CliAsync("INFO", "persistence")).Split('\n').Select(l => l.Trim().Split(':', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1]);

    /// Waits (bounded) until a rewrite of the append-only file begun after <paramref name="rewrites"/> rewrites has
    /// ended, none runs or is scheduled, and the last one succeeded: the files now hold the dataset as it was then.
    private static async Task UntilRewrittenAsync(RedisServer redis, long rewrites)
    {
        var deadline = DateTime.UtcNow + Wire.Bound;
        while (true)
        {
            var info = await PersistenceAsync(redis);
            if (long.Parse(info["aof_rewrites"]) > rewrites && info["aof_rewrite_in_progress"] == "0" && info["aof_rewrite_scheduled"] == "0")
            {
                Assert.Equal("ok", info["aof_last_bgrewrite_status"]);
                return;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no rewrite of the append-only file after {rewrites}: {string.Join(", ", info)}");
            await Task.Delay(50);
        }
    }

    private static async Task<long> RewritesAsync(RedisServer redis) => long.Parse((await PersistenceAsync(redis))["aof_rewrites"]);

    [Fact]
    public async Task A_removal_on_one_node_reaches_the_other_in_order_and_the_text_leaves_every_key_and_file()
    {
        await using var redis = await StartRedisAsync();
        using var folder = new TempFolder("chat-redis-moderation-");
        await using var a = await ChildHost.StartAsync(folder.File("a.db"), Settings(redis));
        await using var b = await ChildHost.StartAsync(folder.File("b.db"), Settings(redis));
        using var onA = a.Client();
        using var onB = b.Client();
        var room = SharedServer.NewRoom();
        var secret = "secret-" + Guid.NewGuid().ToString("N");
        Assert.Equal(0, await PostAsync(onA, room, "stays before"));
        Assert.Equal(1, await PostAsync(onA, room, secret));

        // B follows: an event stream from 0, and a batch poll held past the end.
        await using var stream = await SseReader.OpenAsync(onB, $"/rooms/{room}/events?from=0&format=json");
        var replayed = await stream.TakeAsync(2);
        Assert.Equal([0L, 1L], replayed.Select(e => e.Id));
        Assert.Equal(secret, JsonDocument.Parse(replayed[1].Data).RootElement.GetProperty("text").GetString());
        var held = onB.GetFromJsonAsync<JsonElement>($"/rooms/{room}/messages?from=2");
        await onB.UntilHeldAsync(2, room);
        // The checks look in the right places: before the removal the text is in a key and in a file.
        Assert.NotEmpty(await KeysHoldingAsync(redis, secret));
        Assert.NotEmpty(FilesHolding(redis.Folder, secret));
        var rewrites = await RewritesAsync(redis);

        Assert.Equal(2, await RemoveAsync(onA, room, 1));

        var page = await held.WaitAsync(Wire.Bound);
        var entry = Assert.Single(page.GetProperty("messages").EnumerateArray());
        Assert.Equal(2, entry.GetProperty("index").GetInt64());
        Assert.Equal(1, entry.GetProperty("removes").GetInt64());
        Assert.Equal("Mod", entry.GetProperty("author").GetString());
        var (id, data) = await stream.NextAsync();
        Assert.Equal(2, id);
        Assert.Equal(1, JsonDocument.Parse(data).RootElement.GetProperty("removes").GetInt64());

        foreach (var node in new[] { onA, onB })
        {
            var items = (await node.GetFromJsonAsync<JsonElement>($"/rooms/{room}/messages?from=0")).GetProperty("messages").EnumerateArray().ToList();
            Assert.Equal([0L, 1L, 2L], items.Select(m => m.GetProperty("index").GetInt64()));
            Assert.Equal("stays before", items[0].GetProperty("text").GetString());
            Assert.Equal("", items[1].GetProperty("text").GetString());
            Assert.Equal(JsonValueKind.Null, items[1].GetProperty("author").ValueKind);
            Assert.Equal(2, items[1].GetProperty("removedBy").GetInt64());
            Assert.Equal(1, items[2].GetProperty("removes").GetInt64());
            using var seed = await node.GetAsync($"/rooms/{room}/get/1").WaitAsync(Wire.Bound);
            Assert.Equal(HttpStatusCode.OK, seed.StatusCode);
            Assert.Equal("", await seed.Content.ReadAsStringAsync());
            Assert.Equal("2", seed.Headers.Single("Chat-Removed-By"));
        }

        Assert.Empty(await KeysHoldingAsync(redis, secret));
        await UntilRewrittenAsync(redis, rewrites);
        Assert.Empty(FilesHolding(redis.Folder, secret));
        Assert.NotEmpty(FilesHolding(redis.Folder, "stays before")); // the rewritten files are read as they are

        // Removing again, on either node, answers the first removal and adds nothing.
        Assert.Equal(2, await RemoveAsync(onB, room, 1));
        Assert.Equal(2, await RemoveAsync(onA, room, 1));
        Assert.Equal("3", await redis.CliAsync("LLEN", $"chat:{{{room}}}:log"));
        using (var ahead = await DeleteAsync(onB, $"/rooms/{room}/messages/99", Moderator))
            Assert.Equal(HttpStatusCode.NotFound, ahead.StatusCode);
        using (var anonymous = await DeleteAsync(onB, $"/rooms/{room}/messages/0", null))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using (var reader = await DeleteAsync(onA, $"/rooms/{room}/messages/0", Tokens.Make(["*"], ["*"])))
            Assert.Equal(HttpStatusCode.Forbidden, reader.StatusCode);
        Assert.Equal((HttpStatusCode.OK, "stays before"), await onB.GetTextAsync($"/rooms/{room}/get/0"));
        Assert.Equal("3", await redis.CliAsync("LLEN", $"chat:{{{room}}}:log"));
    }

    public enum Meanwhile { TooSoonAfterTheLastRewrite, WhileARewriteRuns }

    /// A node rewrites Redis's append-only file at most every `Redis:RewriteAofEvery`, and Redis runs one rewrite at a
    /// time: an erasure that comes sooner, or while a rewrite runs (whose snapshot was taken before it), must still be
    /// followed by a rewrite, or its text stays in the file until some later erasure that may never come.
    [Theory]
    [InlineData(Meanwhile.TooSoonAfterTheLastRewrite)]
    [InlineData(Meanwhile.WhileARewriteRuns)]
    public async Task An_erasure_that_comes_between_rewrites_is_rewritten_after_them(Meanwhile meanwhile)
    {
        await using var redis = await StartRedisAsync();
        using var folder = new TempFolder("chat-redis-rewrite-");
        var every = meanwhile == Meanwhile.TooSoonAfterTheLastRewrite ? "00:00:02" : "00:00:00.100";
        await using var node = await ChildHost.StartAsync(folder.File("node.db"), Settings(redis, every));
        using var client = node.Client();
        var room = SharedServer.NewRoom();
        var (first, second) = ("first-" + Guid.NewGuid().ToString("N"), "second-" + Guid.NewGuid().ToString("N"));
        await PostAsync(client, room, first);
        await PostAsync(client, room, second);
        for (var i = 0; i < 8; i++) await PostAsync(client, $"{room}-{i}", "more keys, a slower rewrite");
        var rewrites = await RewritesAsync(redis);
        if (meanwhile == Meanwhile.WhileARewriteRuns)
            Assert.Equal("OK", await redis.CliAsync("CONFIG", "SET", "rdb-key-save-delay", "200000")); // 0.2 s per key

        await RemoveAsync(client, room, 0);
        if (meanwhile == Meanwhile.WhileARewriteRuns)
        {
            var deadline = DateTime.UtcNow + Wire.Bound;
            while ((await PersistenceAsync(redis))["aof_rewrite_in_progress"] != "1")
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException("the first erasure's rewrite never ran");
                await Task.Delay(10);
            }
            await Task.Delay(200); // past the node's RewriteAofEvery: only the running rewrite stands in the way
        }
        await RemoveAsync(client, room, 1);
        if (meanwhile == Meanwhile.WhileARewriteRuns)
            Assert.Equal("OK", await redis.CliAsync("CONFIG", "SET", "rdb-key-save-delay", "0"));

        await UntilRewrittenAsync(redis, rewrites);
        Assert.Empty(FilesHolding(redis.Folder, first));
        var gone = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (FilesHolding(redis.Folder, second) is { Count: > 0 } holding)
        {
            if (DateTime.UtcNow > gone) Assert.Fail($"the second erasure's text is still in {string.Join(", ", holding)}: {string.Join(", ", await PersistenceAsync(redis))}");
            await Task.Delay(100);
        }
        Assert.Empty(await KeysHoldingAsync(redis, second));
    }

    [Fact]
    public async Task Retention_trims_the_shared_list_both_nodes_start_where_it_starts_and_numbering_goes_on()
    {
        await using var redis = await StartRedisAsync();
        using var folder = new TempFolder("chat-redis-retention-");
        var room = SharedServer.NewRoom("keep-");
        string[] keeping = [.. Settings(redis), $"--Chat:Retention:0:Rooms={room}", "--Chat:Retention:0:KeepLast=5", "--Chat:RetentionSweep=00:00:00.200"];
        await using var a = await ChildHost.StartAsync(folder.File("a.db"), keeping);
        await using var b = await ChildHost.StartAsync(folder.File("b.db"), keeping);
        using var onA = a.Client();
        using var onB = b.Client();
        string Text(int i) => $"{room}-m{i:D2}";
        for (var i = 0; i < 20; i++) Assert.Equal(i, await PostAsync(i % 2 == 0 ? onA : onB, room, Text(i), key: $"k{i}"));

        foreach (var node in new[] { onA, onB })
        {
            var deadline = DateTime.UtcNow + Wire.Bound;
            JsonElement status;
            while ((status = await node.GetFromJsonAsync<JsonElement>($"/rooms/{room}")).GetProperty("first").GetInt64() != 15)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"room {room} never started at 15: {status}");
                await Task.Delay(50);
            }
            Assert.Equal(20, status.GetProperty("next").GetInt64());
            using (var gone = await node.GetAsync($"/rooms/{room}/messages?from=0").WaitAsync(Wire.Bound))
            {
                Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
                Assert.Equal(15, (await JsonOf(gone)).GetProperty("first").GetInt64());
            }
            var kept = (await node.GetFromJsonAsync<JsonElement>($"/rooms/{room}/messages?from=15")).GetProperty("messages").EnumerateArray().ToList();
            Assert.Equal([15L, 16L, 17L, 18L, 19L], kept.Select(m => m.GetProperty("index").GetInt64()));
            Assert.Equal(Enumerable.Range(15, 5).Select(Text), kept.Select(m => m.GetProperty("text").GetString()));
        }
        Assert.Equal("5", await redis.CliAsync("LLEN", $"chat:{{{room}}}:log"));
        Assert.Equal("15", await redis.CliAsync("GET", $"chat:{{{room}}}:first"));
        // A trimmed entry's idempotency key lives on for Redis:TrimmedKeyWindow (5 min), not a day (Redis:KeyWindow):
        // memory stays bounded, and a post retried after its answer was lost and its entry trimmed is not stored twice.
        foreach (var i in new[] { 0, 14, 15, 19 })
        {
            var ttl = long.Parse(await redis.CliAsync("TTL", $"chat:{{{room}}}:key:k{i}"));
            Assert.True(i < 15 ? ttl is > 0 and <= 300 : ttl > 300, $"k{i} expires in {ttl} s");
        }
        Assert.Equal(3, await PostAsync(onB, room, Text(3), key: "k3"));
        Assert.Equal("5", await redis.CliAsync("LLEN", $"chat:{{{room}}}:log"));
        Assert.Empty(await KeysHoldingAsync(redis, Text(14)));
        var trimmed = DateTime.UtcNow + Wire.Bound; // each trim asks for a rewrite, as an erasure does
        while (FilesHolding(redis.Folder, Text(14)) is { Count: > 0 } holding)
        {
            if (DateTime.UtcNow > trimmed) Assert.Fail($"a trimmed text is still in {string.Join(", ", holding)}");
            await Task.Delay(100);
        }

        Assert.Equal(20, await PostAsync(onB, room, "after"));
        Assert.Equal((HttpStatusCode.OK, "after"), await onA.GetTextAsync($"/rooms/{room}/get/20"));
    }

    /// A post retried with its key after a moderator removed it answers its index, as any retry does: its text is
    /// gone, so there is nothing to find in conflict (a 422 told the client its own post was someone else's).
    [Fact]
    public async Task A_post_retried_after_its_removal_answers_its_index()
    {
        await using var redis = await StartRedisAsync();
        using var folder = new TempFolder("chat-redis-retry-removed-");
        await using var a = await ChildHost.StartAsync(folder.File("a.db"), Settings(redis));
        await using var b = await ChildHost.StartAsync(folder.File("b.db"), Settings(redis));
        using var onA = a.Client();
        using var onB = b.Client();
        Assert.Equal(0, await PostAsync(onA, "retried", "first words", key: "retry-me"));
        Assert.Equal(1, await RemoveAsync(onA, "retried", 0));
        Assert.Equal(0, await PostAsync(onB, "retried", "first words", key: "retry-me"));
        Assert.Equal("2", await redis.CliAsync("LLEN", "chat:{retried}:log"));
    }
}
