using System.Net;
using System.Text.Json;

namespace Chat.Specs.Http;

/// Named rooms, batch catch-up, room status and the room list.
public sealed class RoomsSpecs() : SharedServer("--Chat:PollTimeout=00:00:00.500", "--Chat:MaxBatch=50")
{
    private async Task<JsonElement> JsonAsync(string path)
    {
        using var response = await Client.GetAsync(path).WaitAsync(Wire.Bound);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task Each_room_numbers_its_own_messages_and_chat_is_the_default_room()
    {
        var (a, b) = (NewRoom("r"), NewRoom("r"));
        await Client.PostAsync("a0", $"/rooms/{a}/post");
        await Client.PostAsync("b0", $"/rooms/{b}/post");
        using var second = await Client.PostAsync("a1", $"/rooms/{a}/post");
        await Client.PostAsync("seed", "/chat/post");

        Assert.Equal($"/rooms/{a}/get/1", second.Headers.Location!.OriginalString);
        Assert.Equal((HttpStatusCode.OK, "a1"), await Client.GetTextAsync($"/rooms/{a}/get/1"));
        Assert.Equal((HttpStatusCode.OK, "b0"), await Client.GetTextAsync($"/rooms/{b}/get/0"));
        Assert.Equal((HttpStatusCode.OK, "seed"), await Client.GetTextAsync("/rooms/chat/get/0"));
    }

    [Fact]
    public async Task A_room_nobody_posted_to_behaves_like_an_empty_room()
    {
        var room = NewRoom("r");
        Assert.Equal(0, (await JsonAsync($"/rooms/{room}")).GetProperty("next").GetInt64());
        Assert.Equal(HttpStatusCode.NoContent, (await Client.GetTextAsync($"/rooms/{room}/get/0")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetTextAsync($"/rooms/{room}/get/1")).Status);
    }

    [Fact]
    public async Task Room_status_gives_the_next_index()
    {
        var room = NewRoom("r");
        for (var i = 0; i < 3; i++) await Client.PostAsync($"m{i}", $"/rooms/{room}/post");
        var status = await JsonAsync($"/rooms/{room}");
        Assert.Equal(room, status.GetProperty("room").GetString());
        Assert.Equal(3, status.GetProperty("next").GetInt64());
    }

    [Fact]
    public async Task The_room_list_pages_by_name()
    {
        var prefix = "list" + Guid.NewGuid().ToString("N")[..6];
        foreach (var name in new[] { "c", "a", "b" }) await Client.PostAsync("x", $"/rooms/{prefix}{name}/post");

        var first = await JsonAsync($"/rooms?after={prefix}&limit=2");
        var names = first.GetProperty("rooms").EnumerateArray().Select(r => r.GetProperty("room").GetString()).ToList();
        Assert.Equal([$"{prefix}a", $"{prefix}b"], names);
        Assert.Equal($"{prefix}b", first.GetProperty("after").GetString());
        var rest = await JsonAsync($"/rooms?after={prefix}b&limit=2");
        Assert.Equal($"{prefix}c", rest.GetProperty("rooms")[0].GetProperty("room").GetString());
    }

    [Fact]
    public async Task A_batch_returns_every_message_from_N_up_to_the_limit()
    {
        var room = NewRoom("r");
        for (var i = 0; i < 5; i++) await Client.PostAsync($"m{i}", $"/rooms/{room}/post");

        var page = await JsonAsync($"/rooms/{room}/messages?from=1&limit=3");

        Assert.Equal(1, page.GetProperty("from").GetInt64());
        Assert.Equal(4, page.GetProperty("next").GetInt64());
        Assert.Equal(["m1", "m2", "m3"], page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()));
        Assert.Equal([1L, 2, 3], page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("index").GetInt64()));
        Assert.Equal(5, (await JsonAsync($"/rooms/{room}/messages")).GetProperty("next").GetInt64()); // from 0, up to 100 by default
    }

    [Fact]
    public async Task A_batch_at_the_end_long_polls_and_answers_with_what_arrives()
    {
        var room = NewRoom("r");
        await Client.PostAsync("m0", $"/rooms/{room}/post");
        var held = Client.GetStringAsync($"/rooms/{room}/messages?from=1");
        await Client.UntilHeldAsync(1, room);

        await Client.PostAsync("m1", $"/rooms/{room}/post");

        var page = JsonDocument.Parse(await held.WaitAsync(Wire.Bound)).RootElement;
        Assert.Equal(2, page.GetProperty("next").GetInt64());
        Assert.Equal("m1", page.GetProperty("messages")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_batch_at_the_end_is_204_at_the_timeout_and_404_past_the_end()
    {
        var room = NewRoom("r");
        Assert.Equal(HttpStatusCode.NoContent, (await Client.GetTextAsync($"/rooms/{room}/messages?from=0")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetTextAsync($"/rooms/{room}/messages?from=1")).Status);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=-1")]
    [InlineData("limit=1000000000")]
    [InlineData("limit=51")]
    [InlineData("limit=abc")]
    [InlineData("from=abc")]
    [InlineData("from=-1")]
    [InlineData("from=1.5")]
    public async Task Bad_batch_parameters_are_400(string query)
    {
        using var response = await Client.GetAsync($"/rooms/{NewRoom("r")}/messages?{query}").WaitAsync(Wire.Bound);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/rooms/a.b")]
    [InlineData("/rooms/a%20b/post")]
    [InlineData("/rooms/%C3%A9t%C3%A9/messages")]
    [InlineData("/rooms/x!y/events")]
    public async Task Bad_room_names_are_400(string path)
    {
        var method = path.EndsWith("/post", StringComparison.Ordinal) ? HttpMethod.Post : HttpMethod.Get;
        using var response = await Client.SendAsync(new HttpRequestMessage(method, path)
        {
            Content = method == HttpMethod.Post ? new FormUrlEncodedContent([new("message", "x")]) : null,
        }).WaitAsync(Wire.Bound);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    /// At most Chat:MaxRooms rooms are loaded at once. Past it a new room is 503 with Retry-After: 1 while the
    /// idle rooms unload themselves, so naming rooms can never lock new rooms out for good; an unloaded room comes
    /// back from the store with its numbering intact, and a room that holds a poll is never unloaded.
    [Fact]
    public async Task Past_the_room_limit_idle_rooms_make_way_and_come_back_from_the_store()
    {
        await using var server = await ChatServer.StartAsync("--Chat:MaxRooms=2");
        using var client = server.Client();
        await client.PostAsync("one-0", "/rooms/one/post");
        await client.PostAsync("two-0", "/rooms/two/post");
        var held = client.GetAsync("/rooms/one/get/1");
        await client.UntilHeldAsync(1, "one");

        using (var refused = await client.PostAsync("three-0", "/rooms/three/post"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal("/rooms/three/get/0", await PostUntilAcceptedAsync(client, "three-0", "three")); // two made way

        Assert.Equal("/rooms/one/get/1", await PostUntilAcceptedAsync(client, "one-1", "one"));
        using (var answer = await held.WaitAsync(Wire.Bound))
            Assert.Equal((HttpStatusCode.OK, "one-1"), (answer.StatusCode, await answer.Content.ReadAsStringAsync()));

        Assert.Equal("/rooms/two/get/1", await PostUntilAcceptedAsync(client, "two-1", "two")); // back from the store
        Assert.Equal((HttpStatusCode.OK, "two-0"), await client.GetTextAsync("/rooms/two/get/0"));
    }

    /// Posts until the room takes it (503 while rooms make way, a second at most); the new message's location.
    private static async Task<string> PostUntilAcceptedAsync(HttpClient client, string text, string room)
    {
        var deadline = DateTime.UtcNow + Wire.Bound;
        while (true)
        {
            using var response = await client.PostAsync(text, $"/rooms/{room}/post");
            if (response.StatusCode == HttpStatusCode.Created) return response.Headers.Location!.OriginalString;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.True(DateTime.UtcNow < deadline, $"room {room} still refused after {Wire.Bound}");
            await Task.Delay(100);
        }
    }
}
