using System.Net;
using System.Text;
using System.Text.Json;

namespace Chat.Specs.Http;

/// A moderator removes a message: the removal is an entry of the room at its own index, followers receive it in order,
/// the message stays at its index as a placeholder, and its text is in no file of the store once the removal is
/// acknowledged. One SQLite server for the class, with a signing key (moderation needs one) and no protected room.
public sealed class ModerationSpecs(ModerationSpecs.Server server) : IClassFixture<ModerationSpecs.Server>
{
    public sealed class Server : IAsyncLifetime
    {
        public ChatServer Host { get; private set; } = null!;
        public async Task InitializeAsync() => Host = await ChatServer.StartAsync($"--Auth:SigningKey={Tokens.Key}", "--Chat:PollTimeout=00:00:10");
        public async Task DisposeAsync() => await Host.DisposeAsync();
    }

    private static readonly string Moderator = Tokens.Moderator(["*"]);

    private HttpClient Client() => server.Host.Client();

    private static HttpRequestMessage Delete(string path, string? token) => new HttpRequestMessage(HttpMethod.Delete, path).With(token);

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private async Task<long> PostAsync(HttpClient client, string room, string text, string name = "Ann")
    {
        using var posted = await client.PostAsync($"/rooms/{room}/post", new FormUrlEncodedContent([new("message", text), new("name", name)]));
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        return (await JsonOf(posted)).GetProperty("index").GetInt64();
    }

    private async Task<long> RemoveAsync(HttpClient client, string room, long index)
    {
        using var removed = await client.SendAsync(Delete($"/rooms/{room}/messages/{index}", Moderator));
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        var body = await JsonOf(removed);
        Assert.Equal(index, body.GetProperty("index").GetInt64());
        return body.GetProperty("removal").GetInt64();
    }

    /// Every byte of every file of the store (the database, its WAL, its shared memory).
    private static bool AnyFileHolds(string folder, string secret) => Disk.FilesHolding(folder, secret).Count > 0;

    [Fact]
    public async Task A_removed_message_is_in_no_file_of_the_store_once_the_removal_is_acknowledged()
    {
        var room = SharedServer.NewRoom();
        var secret = "secret-" + Guid.NewGuid().ToString("N");
        using var client = Client();
        var at = await PostAsync(client, room, secret);
        await PostAsync(client, room, "stays");
        Assert.True(AnyFileHolds(server.Host.Folder, secret), "the spec looks in the right place: the posted text is on disk");

        await RemoveAsync(client, room, at);

        Assert.False(AnyFileHolds(server.Host.Folder, secret), "the removed text is still in a file of the store");
        Assert.True(AnyFileHolds(server.Host.Folder, "stays"));
    }

    [Fact]
    public async Task The_removal_is_an_entry_at_its_own_index_and_the_message_stays_as_a_placeholder()
    {
        var room = SharedServer.NewRoom();
        using var client = Client();
        var at = await PostAsync(client, room, "rude");
        await PostAsync(client, room, "kind");
        var removal = await RemoveAsync(client, room, at);
        Assert.Equal(2, removal);

        var page = await client.GetFromJsonAsync<JsonElement>($"/rooms/{room}/messages?from=0");
        var items = page.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], items.Select(m => m.GetProperty("index").GetInt64()));
        Assert.Equal("", items[0].GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, items[0].GetProperty("author").ValueKind);
        Assert.Equal(2, items[0].GetProperty("removedBy").GetInt64());
        Assert.False(items[0].TryGetProperty("removes", out _));
        Assert.Equal("kind", items[1].GetProperty("text").GetString());
        Assert.False(items[1].TryGetProperty("removedBy", out _));
        Assert.Equal(0, items[2].GetProperty("removes").GetInt64());
        Assert.Equal("Mod", items[2].GetProperty("author").GetString());
    }

    [Fact]
    public async Task Removing_again_answers_the_first_removal_and_adds_nothing()
    {
        var room = SharedServer.NewRoom();
        using var client = Client();
        var at = await PostAsync(client, room, "twice");
        var first = await RemoveAsync(client, room, at);
        Assert.Equal(first, await RemoveAsync(client, room, at));
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostAsync(client, room, "x")).ToList());
        var removals = await Task.WhenAll(concurrent.Select(i => RemoveAsync(client, room, i)).Concat(concurrent.Select(i => RemoveAsync(client, room, i))));
        Assert.Equal(removals[..4], removals[4..]);
        var status = await client.GetFromJsonAsync<JsonElement>($"/rooms/{room}");
        Assert.Equal(2 + 4 + 4, status.GetProperty("next").GetInt64()); // 2 entries, 4 posts, one removal each
    }

    [Fact]
    public async Task A_follower_receives_the_removal_in_order_by_batch_and_by_stream()
    {
        var room = SharedServer.NewRoom();
        using var client = Client();
        var at = await PostAsync(client, room, "soon gone");
        await using var stream = await SseReader.OpenAsync(client, $"/rooms/{room}/events?from=0&format=json");
        Assert.Equal(0, (await stream.NextAsync()).Id);
        var held = client.GetFromJsonAsync<JsonElement>($"/rooms/{room}/messages?from=1");
        await client.UntilHeldAsync(2, room);

        var removal = await RemoveAsync(client, room, at);

        var page = await held.WaitAsync(Wire.Bound);
        var entry = Assert.Single(page.GetProperty("messages").EnumerateArray());
        Assert.Equal(removal, entry.GetProperty("index").GetInt64());
        Assert.Equal(at, entry.GetProperty("removes").GetInt64());
        var (id, data) = await stream.NextAsync();
        Assert.Equal(removal, id);
        Assert.Equal(at, JsonDocument.Parse(data).RootElement.GetProperty("removes").GetInt64());
    }

    [Fact]
    public async Task The_seed_route_answers_a_removed_index_and_a_removal_with_an_empty_200_cached_for_good()
    {
        using var client = Client();
        var next = (await client.GetFromJsonAsync<JsonElement>("/rooms/chat")).GetProperty("next").GetInt64();
        using (var posted = await client.PostAsync("rude words"))
            Assert.Equal(next, (await JsonOf(posted)).GetProperty("index").GetInt64());
        using (var live = await client.GetAsync($"/chat/get/{next}"))
        {
            Assert.Equal("rude words", await live.Content.ReadAsStringAsync());
            Assert.Equal("public, no-cache", live.Headers.CacheControl?.ToString()); // it may be removed: revalidate
            using var again = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/chat/get/{next}") { Headers = { { "If-None-Match", live.Headers.ETag!.Tag } } });
            Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        }
        using var removed = await client.SendAsync(Delete($"/chat/messages/{next}", Moderator));
        var removal = (await JsonOf(removed)).GetProperty("removal").GetInt64();

        using var placeholder = await client.GetAsync($"/chat/get/{next}");
        Assert.Equal(HttpStatusCode.OK, placeholder.StatusCode);
        Assert.Equal("", await placeholder.Content.ReadAsStringAsync());
        Assert.Equal(removal.ToString(), placeholder.Headers.Single("Chat-Removed-By"));
        Assert.Contains("immutable", placeholder.Headers.CacheControl?.ToString());
        using var entry = await client.GetAsync($"/chat/get/{removal}");
        Assert.Equal("", await entry.Content.ReadAsStringAsync());
        Assert.Equal(next.ToString(), entry.Headers.Single("Chat-Removes"));
    }

    /// Seed: the tutorial's `read_data()` moves on after every 200 and retries an error at once: it passes a removed
    /// index and the removal without a retry, one request each.
    [Fact]
    public async Task The_tutorials_client_walks_past_a_removed_message_one_request_per_index()
    {
        var room = SharedServer.NewRoom();
        using var client = Client();
        await PostAsync(client, room, "a");
        var gone = await PostAsync(client, room, "b");
        await PostAsync(client, room, "c");
        await RemoveAsync(client, room, gone);

        var (shown, requests) = await TutorialClient.ReadAsync(client, $"/rooms/{room}/get/", until: 4);

        Assert.Equal(["a", "", "c", ""], shown);
        Assert.Equal(4, requests);
    }

    [Theory]
    [InlineData("none", HttpStatusCode.Unauthorized)]
    [InlineData("reader", HttpStatusCode.Forbidden)]
    [InlineData("other room", HttpStatusCode.Forbidden)]
    public async Task Without_the_moderate_grant_for_the_room_a_removal_is_refused(string token, HttpStatusCode expected)
    {
        var room = SharedServer.NewRoom();
        using var client = Client();
        var at = await PostAsync(client, room, "kept");
        var bearer = token switch
        {
            "none" => null,
            "reader" => Tokens.Make(["*"], ["*"]),
            _ => Tokens.Moderator(["elsewhere-*"]),
        };
        using var refused = await client.SendAsync(Delete($"/rooms/{room}/messages/{at}", bearer));
        Assert.Equal(expected, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal("kept", (await client.GetTextAsync($"/rooms/{room}/get/{at}")).Body);
    }

    [Fact]
    public async Task A_never_posted_index_is_404_and_a_bad_one_400()
    {
        var room = SharedServer.NewRoom();
        using var client = Client();
        await PostAsync(client, room, "one");
        using var ahead = await client.SendAsync(Delete($"/rooms/{room}/messages/1", Moderator));
        Assert.Equal(HttpStatusCode.NotFound, ahead.StatusCode);
        using var bad = await client.SendAsync(Delete($"/rooms/{room}/messages/-1", Moderator));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(1, (await client.GetFromJsonAsync<JsonElement>($"/rooms/{room}")).GetProperty("next").GetInt64());
    }

    [Fact]
    public async Task Without_a_signing_key_nobody_may_moderate()
    {
        await using var open = await ChatServer.StartAsync();
        using var client = open.Client();
        await client.PostAsync("hello");
        using var refused = await client.SendAsync(Delete("/chat/messages/0", Moderator));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("hello", (await client.GetTextAsync("/chat/get/0")).Body);
    }

    [Fact]
    public async Task Erasing_an_author_removes_their_messages_in_the_rooms_the_token_may_moderate_and_counts_them()
    {
        var prefix = SharedServer.NewRoom("er");
        var (a, b, c) = ($"{prefix}-a", $"{prefix}-b", $"{prefix}-c");
        using var client = Client();
        foreach (var room in new[] { a, b, c })
        {
            await PostAsync(client, room, $"ann in {room}", "Ann");
            await PostAsync(client, room, $"bob in {room}", "Bob");
            await PostAsync(client, room, $"ann again in {room}", "Ann");
        }
        var limited = Tokens.Moderator([a, b]); // not c

        using var erased = await client.SendAsync(Delete($"/authors/Ann/messages?rooms={prefix}-*", limited));

        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        var body = await JsonOf(erased);
        Assert.Equal(4, body.GetProperty("removed").GetInt32());
        Assert.Equal([a, b], body.GetProperty("rooms").EnumerateArray().Select(r => r.GetProperty("room").GetString()));
        Assert.Equal([0L, 2L], body.GetProperty("rooms")[0].GetProperty("indexes").EnumerateArray().Select(i => i.GetInt64()));
        foreach (var room in new[] { a, b })
        {
            var texts = (await client.GetFromJsonAsync<JsonElement>($"/rooms/{room}/messages?from=0")).GetProperty("messages").EnumerateArray()
                .Select(m => m.GetProperty("text").GetString()).ToList();
            Assert.Equal(["", $"bob in {room}", "", "", ""], texts);
        }
        Assert.Equal($"ann in {c}", (await client.GetTextAsync($"/rooms/{c}/get/0")).Body);
        Assert.False(AnyFileHolds(server.Host.Folder, $"ann in {a}"));
    }
}

/// The tutorial's client as its script runs: GET /get/N; a 200 shows the body and moves on to N+1, anything else
/// retries N at once. Stops at <paramref name="until"/> or after a bounded number of requests.
public static class TutorialClient
{
    public static async Task<(List<string> Shown, int Requests)> ReadAsync(HttpClient client, string prefix, long until, long from = 0, int most = 1000)
    {
        var (shown, requests, count) = (new List<string>(), 0, from);
        while (count < until && requests < most)
        {
            requests++;
            using var response = await client.GetAsync(prefix + count);
            if (response.StatusCode != HttpStatusCode.OK) continue;
            shown.Add(await response.Content.ReadAsStringAsync());
            count++;
        }
        return (shown, requests);
    }
}
