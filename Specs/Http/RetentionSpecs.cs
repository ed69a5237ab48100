using System.Net;
using System.Text;
using System.Text.Json;

namespace Chat.Specs.Http;

/// Retention: a room a rule names keeps its last messages; the rest leave the store, the room says where it starts
/// (`first`), reads below it are 410 (an empty 200 on the seed route), and numbering goes on where it was.
public sealed class RetentionSpecs
{
    private const int Kept = 3;

    private static readonly string[] Keeping =
        ["--Chat:Retention:0:Rooms=keep-*", $"--Chat:Retention:0:KeepLast={Kept}", "--Chat:RetentionSweep=00:00:00.100", "--Chat:PollTimeout=00:00:05"];

    private static async Task PostAsync(HttpClient client, string room, int count, string prefix = "m")
    {
        for (var i = 0; i < count; i++)
            using (var posted = await client.PostAsync($"/rooms/{room}/post", new FormUrlEncodedContent([new("message", $"{prefix}{i}")])))
                Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
    }

    private static async Task<JsonElement> StatusAsync(HttpClient client, string room) =>
        await client.GetFromJsonAsync<JsonElement>($"/rooms/{room}");

    /// Waits (bounded) until the sweep has trimmed the room to <paramref name="first"/>.
    private static async Task UntilFirstAsync(HttpClient client, string room, long first)
    {
        var deadline = DateTime.UtcNow + Wire.Bound;
        while ((await StatusAsync(client, room)).GetProperty("first").GetInt64() != first)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"room {room} never started at {first}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_trimmed_room_starts_at_its_first_kept_index_and_reads_below_it_are_gone()
    {
        await using var server = await ChatServer.StartAsync(Keeping);
        using var client = server.Client();
        var room = SharedServer.NewRoom("keep-");
        await PostAsync(client, room, 8);
        await UntilFirstAsync(client, room, 8 - Kept);

        using (var gone = await client.GetAsync($"/rooms/{room}/messages?from=0"))
        {
            Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
            Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
            Assert.Equal(5, JsonDocument.Parse(await gone.Content.ReadAsStringAsync()).RootElement.GetProperty("first").GetInt64());
        }
        var kept = await client.GetFromJsonAsync<JsonElement>($"/rooms/{room}/messages?from=5");
        Assert.Equal(["m5", "m6", "m7"], kept.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()));
        using (var stream = await client.GetAsync($"/rooms/{room}/events?from=2", HttpCompletionOption.ResponseHeadersRead))
            Assert.Equal(HttpStatusCode.Gone, stream.StatusCode);
        using (var many = await client.GetAsync($"/messages?from={room}:4"))
        {
            Assert.Equal(HttpStatusCode.Gone, many.StatusCode);
            Assert.Equal(room, JsonDocument.Parse(await many.Content.ReadAsStringAsync()).RootElement.GetProperty("room").GetString());
        }
        using (var seed = await client.GetAsync($"/rooms/{room}/get/1"))
        {
            Assert.Equal(HttpStatusCode.OK, seed.StatusCode);
            Assert.Equal("", await seed.Content.ReadAsStringAsync());
            Assert.Equal("5", seed.Headers.Single("Chat-First"));
        }

        await PostAsync(client, room, 1, "after");
        Assert.Equal("after0", (await client.GetTextAsync($"/rooms/{room}/get/8")).Body);
    }

    [Fact]
    public async Task Trimmed_messages_leave_every_file_and_numbering_survives_a_restart_of_an_emptied_room()
    {
        await using var server = await ChatServer.StartAsync(Keeping);
        using var client = server.Client();
        var room = SharedServer.NewRoom("keep-");
        await PostAsync(client, room, 6, "trim-me-");
        await UntilFirstAsync(client, room, 6 - Kept);

        Assert.Empty(Disk.FilesHolding(server.Folder, "trim-me-2"));

        await using var restarted = await server.RestartAsync(Keeping);
        using var again = restarted.Client();
        var status = await StatusAsync(again, room);
        Assert.Equal(3, status.GetProperty("first").GetInt64());
        Assert.Equal(6, status.GetProperty("next").GetInt64());
    }

    /// Seed: the tutorial's client started at 0 walks the trimmed indexes with one answered request each (an error
    /// would have it retry the same index at once, forever) and then reads the kept messages.
    [Fact]
    public async Task The_tutorials_client_started_on_a_trimmed_room_reaches_the_kept_messages_without_a_storm()
    {
        await using var server = await ChatServer.StartAsync(Keeping);
        using var client = server.Client();
        var room = SharedServer.NewRoom("keep-");
        await PostAsync(client, room, 10);
        await UntilFirstAsync(client, room, 10 - Kept);

        var (shown, requests) = await TutorialClient.ReadAsync(client, $"/rooms/{room}/get/", until: 10);

        Assert.Equal(10, requests);
        Assert.Equal(["m7", "m8", "m9"], shown.Where(s => s != ""));
    }

    [Fact]
    public async Task A_room_no_rule_names_keeps_everything()
    {
        await using var server = await ChatServer.StartAsync(Keeping);
        using var client = server.Client();
        var room = SharedServer.NewRoom("other-");
        await PostAsync(client, room, 6);
        await Task.Delay(500); // five sweeps
        var status = await StatusAsync(client, room);
        Assert.Equal(0, status.GetProperty("first").GetInt64());
        Assert.Equal(6, (await client.GetFromJsonAsync<JsonElement>($"/rooms/{room}/messages?from=0")).GetProperty("messages").GetArrayLength());
    }

    [Theory]
    [InlineData("--Chat:Retention:0:Rooms=a b", "--Chat:Retention:0:KeepLast=3")]
    [InlineData("--Chat:Retention:0:Rooms=a*", "--Chat:Retention:0:KeepLast=0")]
    [InlineData("--Chat:Retention:0:Rooms=a*", "--Chat:Retention:0:KeepFor=00:00:00")]
    [InlineData("--Chat:Retention:0:Rooms=a*", "--Chat:RetentionSweep=00:00:00")]
    public async Task A_bad_retention_rule_stops_the_start_with_its_name(string rule, string other)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await (await ChatServer.StartAsync(rule, other)).DisposeAsync());
        Assert.Contains("Retention", error.ToString());
    }
}
