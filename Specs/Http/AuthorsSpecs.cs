using System.Net;
using System.Text.Json;

namespace Chat.Specs.Http;

/// Who said it and when: a post's optional `name`, the time the host stamps, and where both show (the batch, the
/// stream's JSON format) and where they do not (the seed's `/get/N`, exactly the text); both survive the store.
public sealed class AuthorsSpecs
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 1, 12, 0, 0, 250, TimeSpan.Zero);

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    private static async Task<JsonElement[]> MessagesAsync(HttpClient client, string room, long from = 0) =>
        [.. JsonDocument.Parse(await client.GetStringAsync($"/rooms/{room}/messages?from={from}")).RootElement.GetProperty("messages").EnumerateArray()];

    [Fact]
    public async Task A_post_carries_its_authors_name_and_the_hosts_time_and_the_seed_get_still_answers_only_the_text()
    {
        var clock = new StoppedClock(Noon);
        await using var server = await ChatServer.StartAsync(clock);
        using var client = server.Client();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/rooms/people/post", Form(("message", "hello"), ("name", "  Ann  ")))).StatusCode);
        clock.Advance(TimeSpan.FromSeconds(2));
        // A time from the client is not a field the service reads.
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/rooms/people/post", Form(("message", "anon"), ("time", "1999-01-01T00:00:00Z")))).StatusCode);
        var multipart = new MultipartFormDataContent { { new StringContent("from a form"), "message" }, { new StringContent("Zoë 😀"), "name" } };
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/rooms/people/post", multipart)).StatusCode);

        var messages = await MessagesAsync(client, "people");
        Assert.Equal(("hello", "Ann", "2026-12-01T12:00:00.250Z"), (messages[0].GetProperty("text").GetString(), messages[0].GetProperty("author").GetString(), messages[0].GetProperty("time").GetString()));
        Assert.Equal(JsonValueKind.Null, messages[1].GetProperty("author").ValueKind);
        Assert.Equal("2026-12-01T12:00:02.250Z", messages[1].GetProperty("time").GetString());
        Assert.Equal("Zoë 😀", messages[2].GetProperty("author").GetString());

        using var seed = await client.GetAsync("/rooms/people/get/0");
        Assert.Equal("hello", await seed.Content.ReadAsStringAsync());
        Assert.DoesNotContain(seed.Headers, h => h.Key.Contains("Author", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("bell\u0007")]
    [InlineData("two\nlines")]
    public async Task A_bad_name_is_400_problem_json_and_nothing_is_stored(string name)
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        using var response = await client.PostAsync("/rooms/names/post", Form(("message", "hi"), ("name", name)));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, (await client.GetFromJsonAsync<Wire.RoomStatus>("/rooms/names"))!.Next);
    }

    [Fact]
    public async Task A_name_is_at_most_sixty_four_characters_and_an_emoji_is_one()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        var name = new string('n', 63) + "😀";
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/rooms/names/post", Form(("message", "hi"), ("name", name)))).StatusCode);
        Assert.Equal(name, (await MessagesAsync(client, "names"))[0].GetProperty("author").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/rooms/names/post", Form(("message", "hi"), ("name", name + "n")))).StatusCode);
    }

    [Fact]
    public async Task An_event_stream_in_json_format_sends_each_message_as_the_batch_does_and_text_by_default()
    {
        await using var server = await ChatServer.StartAsync(new StoppedClock(Noon));
        using var client = server.Client();
        await client.PostAsync("/rooms/stream/post", Form(("message", "two\nlines"), ("name", "Ann")));
        await client.PostAsync("/rooms/stream/post", Form(("message", "plain")));

        await using var json = await SseReader.OpenAsync(client, "/rooms/stream/events?from=0&format=json");
        var events = await json.TakeAsync(2);
        Assert.Equal("""{"index":0,"text":"two\nlines","author":"Ann","time":"2026-12-01T12:00:00.250Z"}""", events[0].Data);
        Assert.Equal("""{"index":1,"text":"plain","author":null,"time":"2026-12-01T12:00:00.250Z"}""", events[1].Data);
        await using var text = await SseReader.OpenAsync(client, "/rooms/stream/events?from=0");
        Assert.Equal((0, "two\nlines"), await text.NextAsync());

        using var bad = await client.GetAsync("/rooms/stream/events?format=xml");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Authors_and_times_survive_a_restart_on_sqlite()
    {
        var server = await ChatServer.StartAsync(new StoppedClock(Noon));
        using (var client = server.Client())
            await client.PostAsync("/rooms/kept/post", Form(("message", "kept"), ("name", "Ann")));
        await using var again = await server.RestartAsync();
        using var reader = again.Client();
        var kept = (await MessagesAsync(reader, "kept"))[0];
        Assert.Equal(("Ann", "2026-12-01T12:00:00.250Z"), (kept.GetProperty("author").GetString(), kept.GetProperty("time").GetString()));
    }

    /// `Fixtures/schema-v1.db` was written by the released binary (schema version 1, before authors and times):
    /// `chat` holds "first", "second, with a key" (Idempotency-Key k-second) and "third: <b>é😀</b>"; `lobby` holds
    /// "hello-lobby" (k-lobby) and "second-lobby". The new binary migrates it in place and loses nothing.
    [Fact]
    public async Task A_version_1_file_is_migrated_in_place_with_every_message_at_its_index_and_keys_that_still_answer()
    {
        using var folder = new TempFolder("chat-v1-");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "schema-v1.db"), folder.File("chat.db"));
        await using (var host = await ChildHost.StartAsync(folder.File("chat.db")))
        {
            using var client = host.Client();
            var chat = await MessagesAsync(client, "chat");
            Assert.Equal(["first", "second, with a key", "third: <b>é😀</b>"], chat.Select(m => m.GetProperty("text").GetString()));
            Assert.All(chat, m => Assert.Equal(JsonValueKind.Null, m.GetProperty("author").ValueKind));
            Assert.All(chat, m => Assert.Equal(JsonValueKind.Null, m.GetProperty("time").ValueKind));
            Assert.Equal((HttpStatusCode.OK, "third: <b>é😀</b>"), await client.GetTextAsync("/chat/get/2"));

            Assert.Equal("/chat/get/1", (await PostWithKeyAsync(client, "/chat/post", "second, with a key", "k-second")).Headers.Location!.OriginalString);
            Assert.Equal("/rooms/lobby/get/0", (await PostWithKeyAsync(client, "/rooms/lobby/post", "hello-lobby", "k-lobby")).Headers.Location!.OriginalString);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, (await PostWithKeyAsync(client, "/chat/post", "another text", "k-second")).StatusCode);
            Assert.Equal("/chat/get/3", (await client.PostAsync("/chat/post", Form(("message", "fourth"), ("name", "Ann")))).Headers.Location!.OriginalString);
            Assert.Equal("/rooms/lobby/get/2", (await client.PostAsync("after", "/rooms/lobby/post")).Headers.Location!.OriginalString);
        }
        await using var restarted = await ChildHost.StartAsync(folder.File("chat.db"));
        using var reader = restarted.Client();
        var all = await MessagesAsync(reader, "chat");
        Assert.Equal(4, all.Length);
        Assert.Equal("Ann", all[3].GetProperty("author").GetString());
        Assert.NotEqual(JsonValueKind.Null, all[3].GetProperty("time").ValueKind);
    }

    private static Task<HttpResponseMessage> PostWithKeyAsync(HttpClient client, string path, string text, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Form(("message", text)) };
        request.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(request);
    }

    /// Redis: an entry as today's nodes write it (plain text) still reads, with no author or time; a new one carries
    /// both to every node; a retry of a key with the same text is the same post whatever name it carries.
    [Fact]
    public async Task Over_redis_authors_and_times_reach_every_node_and_plain_text_entries_still_read()
    {
        await using var redis = await RedisServer.StartAsync();
        using var folder = new TempFolder("chat-redis-authors-");
        await using var a = await ChildHost.StartAsync(folder.File("a.db"), $"--Redis:Configuration={redis.Configuration}");
        await using var b = await ChildHost.StartAsync(folder.File("b.db"), $"--Redis:Configuration={redis.Configuration}");
        Assert.Equal("1", await redis.CliAsync("RPUSH", "chat:{mixed}:log", "written the old way"));
        using var onA = a.Client();
        using var onB = b.Client();
        Assert.Equal(HttpStatusCode.Created, (await PostNamedWithKeyAsync(onA, "multi\nline", "Ann", "k1")).StatusCode);
        Assert.Equal("/rooms/mixed/get/1", (await PostNamedWithKeyAsync(onB, "multi\nline", "someone else", "k1")).Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await PostNamedWithKeyAsync(onB, "other", "Ann", "k1")).StatusCode);

        var fromA = await MessagesAsync(onA, "mixed");
        var fromB = await MessagesAsync(onB, "mixed");
        Assert.Equal(fromA.Select(m => m.GetRawText()), fromB.Select(m => m.GetRawText()));
        Assert.Equal(2, fromB.Length);
        Assert.Equal("written the old way", fromB[0].GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, fromB[0].GetProperty("author").ValueKind);
        Assert.Equal(JsonValueKind.Null, fromB[0].GetProperty("time").ValueKind);
        Assert.Equal(("multi\nline", "Ann"), (fromB[1].GetProperty("text").GetString(), fromB[1].GetProperty("author").GetString()));
        Assert.NotEqual(JsonValueKind.Null, fromB[1].GetProperty("time").ValueKind);
        Assert.Equal((HttpStatusCode.OK, "multi\nline"), await onB.GetTextAsync("/rooms/mixed/get/1"));
    }

    private static Task<HttpResponseMessage> PostNamedWithKeyAsync(HttpClient client, string text, string name, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/rooms/mixed/post") { Content = Form(("message", text), ("name", name)) };
        request.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(request);
    }
}
