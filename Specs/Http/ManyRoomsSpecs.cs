using System.Net;
using System.Text.Json;

namespace Chat.Specs.Http;

/// `GET /messages?from=a:N,b:M`: several rooms in one long poll, each with its own cursor and numbering.
public sealed class ManyRoomsSpecs() : SharedServer("--Chat:PollTimeout=00:01:00", "--Chat:MaxRoomsPerPoll=3")
{
    private async Task<JsonElement> PageAsync(string from)
    {
        using var response = await Client.GetAsync($"/messages?from={from}").WaitAsync(Wire.Bound);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static string[] Texts(JsonElement page, string room) =>
        [.. page.GetProperty("rooms").EnumerateArray().Single(r => r.GetProperty("room").GetString() == room)
            .GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()!)];

    [Fact]
    public async Task Rooms_behind_answer_at_once_each_with_its_own_numbering_and_the_next_cursor_covers_every_room()
    {
        var (a, b, c) = (NewRoom("a"), NewRoom("b"), NewRoom("c"));
        foreach (var text in new[] { "a0", "a1", "a2" }) await Client.PostAsync(text, $"/rooms/{a}/post");
        await Client.PostAsync("b0", $"/rooms/{b}/post");

        var page = await PageAsync($"{a}:1,{b}:1,{c}");

        Assert.Equal(["a1", "a2"], Texts(page, a));
        Assert.Single(page.GetProperty("rooms").EnumerateArray()); // b and c have nothing new
        Assert.Equal($"{a}:3,{b}:1,{c}:0", page.GetProperty("next").GetString());
    }

    [Fact]
    public async Task With_nothing_new_it_is_held_in_every_room_and_answered_by_the_first_post_in_any()
    {
        var (a, b) = (NewRoom("a"), NewRoom("b"));
        await Client.PostAsync("a0", $"/rooms/{a}/post");
        var held = Client.GetStringAsync($"/messages?from={a}:1,{b}:0");
        await Client.UntilHeldAsync(1, a);
        await Client.UntilHeldAsync(1, b);

        await Client.PostAsync("b0", $"/rooms/{b}/post");

        var page = JsonDocument.Parse(await held.WaitAsync(Wire.Bound)).RootElement;
        Assert.Equal(["b0"], Texts(page, b));
        Assert.Equal($"{a}:1,{b}:1", page.GetProperty("next").GetString());
        await Client.UntilHeldAsync(0, a); // let go in the room that had nothing
    }

    [Fact]
    public async Task It_is_204_at_the_poll_timeout_and_404_naming_the_room_whose_cursor_is_past_its_end()
    {
        var (a, b) = (NewRoom("a"), NewRoom("b"));
        await using (var quick = await ChatServer.StartAsync("--Chat:PollTimeout=00:00:00.500"))
        using (var client = quick.Client())
            Assert.Equal(HttpStatusCode.NoContent, (await client.GetTextAsync($"/messages?from={a}:0,{b}:0")).Status);

        using var past = await Client.GetAsync($"/messages?from={a}:0,{b}:1").WaitAsync(Wire.Bound);
        Assert.Equal(HttpStatusCode.NotFound, past.StatusCode);
        Assert.Equal("application/problem+json", past.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"Room '{b}'", await past.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("a:1,b:2,c:3,d:4")]      // past Chat:MaxRoomsPerPoll
    [InlineData("a:1,a:2")]              // a room twice
    [InlineData("a:x")]
    [InlineData("a:-1")]
    [InlineData("a b:1")]
    [InlineData("a:1,,b:1")]
    public async Task A_bad_cursor_or_too_many_rooms_is_400_with_a_problem(string from)
    {
        using var response = await Client.GetAsync($"/messages?from={Uri.EscapeDataString(from)}").WaitAsync(Wire.Bound);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    /// A client that hangs up leaves no poll held in any of its rooms, and counts as here in each while it waits.
    [Fact]
    public async Task A_hang_up_is_forgotten_in_every_room_at_once_and_the_follower_is_here_in_each()
    {
        var rooms = new[] { NewRoom("a"), NewRoom("b"), NewRoom("c") };
        using var gone = new CancellationTokenSource();
        var held = Client.GetAsync($"/messages?client=one-tab&from={string.Join(',', rooms.Select(r => $"{r}:0"))}", gone.Token);
        foreach (var room in rooms)
        {
            await Client.UntilHeldAsync(1, room);
            var status = JsonDocument.Parse(await Client.GetStringAsync($"/rooms/{room}")).RootElement;
            Assert.Equal(1, status.GetProperty("here").GetProperty("count").GetInt32());
        }

        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => held);

        foreach (var room in rooms) await Client.UntilHeldAsync(0, room);
    }

    /// One event stream over several rooms: each event names its room, its id is the cursor past it, and a reconnect
    /// with that id as `Last-Event-ID` resumes every room where it was.
    [Fact]
    public async Task One_event_stream_follows_several_rooms_and_its_last_event_id_resumes_every_room()
    {
        var (a, b) = (NewRoom("a"), NewRoom("b"));
        await Client.PostAsync("a0", $"/rooms/{a}/post");
        string lastId;
        await using (var events = await SseReader.OpenAsync(Client, $"/events?from={a}:0,{b}:0"))
        {
            var (id, data) = await events.NextEventAsync();
            Assert.Equal($"{a}:1,{b}:0", id);
            Assert.Equal(a, JsonDocument.Parse(data).RootElement.GetProperty("room").GetString());
            await Client.PostAsync("b0", $"/rooms/{b}/post");
            (lastId, data) = await events.NextEventAsync();
            Assert.Equal($"{a}:1,{b}:1", lastId);
            Assert.Equal("b0", JsonDocument.Parse(data).RootElement.GetProperty("text").GetString());
        }
        await Client.PostAsync("a1", $"/rooms/{a}/post");
        await Client.PostAsync("b1", $"/rooms/{b}/post");

        await using var resumed = await SseReader.OpenAsync(Client, $"/events?from={a}:0,{b}:0", lastEventId: lastId);
        var texts = new List<string>();
        for (var i = 0; i < 2; i++) texts.Add(JsonDocument.Parse((await resumed.NextEventAsync()).Data).RootElement.GetProperty("text").GetString()!);
        Assert.Equal(["a1", "b1"], texts.Order());
    }

    /// Older than a room's window, the messages come from the store.
    [Fact]
    public async Task A_room_at_the_window_s_edge_reads_the_rest_from_the_store()
    {
        await using var server = await ChatServer.StartAsync("--Chat:WindowCount=2");
        using var client = server.Client();
        var (a, b) = (NewRoom("a"), NewRoom("b"));
        foreach (var i in Enumerable.Range(0, 5)) await client.PostAsync($"a{i}", $"/rooms/{a}/post");
        await client.PostAsync("b0", $"/rooms/{b}/post");

        var page = JsonDocument.Parse(await client.GetStringAsync($"/messages?from={a}:0,{b}:0").WaitAsync(Wire.Bound)).RootElement;

        Assert.Equal(["a0", "a1", "a2", "a3", "a4"], Texts(page, a));
        Assert.Equal(["b0"], Texts(page, b));
        Assert.Equal($"{a}:5,{b}:1", page.GetProperty("next").GetString());
    }

    /// A protected room among open ones is refused by name, never silently left out.
    [Fact]
    public async Task A_protected_room_the_token_may_not_read_is_refused_by_name()
    {
        await using var server = await ChatServer.StartAsync($"--Auth:SigningKey={Tokens.Key}", "--Auth:Protected=team-*");
        using var client = server.Client();
        var open = NewRoom("open");
        await client.PostAsync("hi", $"/rooms/{open}/post");

        var ask = (string? token) => client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/messages?from={open}:0,team-x:0").With(token)).WaitAsync(Wire.Bound);

        using var none = await ask(null);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Contains("Room 'team-x'", await none.Content.ReadAsStringAsync());
        using var other = await ask(Tokens.Make(["team-other"], []));
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Contains("'team-x'", await other.Content.ReadAsStringAsync());
        using var allowed = await ask(Tokens.Make(["team-*"], []));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }
}
