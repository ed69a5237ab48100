using System.Net;
using System.Text.Json;

namespace Chat.Specs.Http;

/// Rooms that match `Auth:Protected` need a signed token that covers the room and the act; every other room, the
/// seed's `chat` among them, stays open. One server for the class: team-* and vault are protected.
public sealed class ProtectedRoomsSpecs(ProtectedRoomsSpecs.Server server) : IClassFixture<ProtectedRoomsSpecs.Server>
{
    public sealed class Server : IAsyncLifetime
    {
        public ChatServer Host { get; private set; } = null!;
        public async Task InitializeAsync() => Host = await ChatServer.StartAsync($"--Auth:SigningKey={Tokens.Key}",
            "--Auth:Protected=team-*,vault", "--Auth:ClockSkew=00:00:00", "--Chat:PollTimeout=00:00:10");
        public async Task DisposeAsync() => await Host.DisposeAsync();
    }

    private HttpClient Client() => server.Host.Client();

    private static readonly string Everything = Tokens.Make(["*"], ["*"]);

    public enum Token { None, Malformed, Expired, WrongKey, OtherRoom, Valid }

    private static string? Of(Token token) => token switch
    {
        Token.None => null,
        Token.Malformed => "not.a.jwt",
        Token.Expired => Tokens.Make(["*"], ["*"], lifetime: TimeSpan.FromMinutes(-5)),
        Token.WrongKey => Tokens.Make(["*"], ["*"], key: "another key, also thirty-two bytes or more"),
        Token.OtherRoom => Tokens.Make(["team-other"], ["team-other"]),
        _ => Everything,
    };

    private async Task<HttpResponseMessage> AskAsync(string endpoint, string room, string? token)
    {
        using var client = Client();
        var request = endpoint switch
        {
            "get" => new HttpRequestMessage(HttpMethod.Get, $"/rooms/{room}/get/0"),
            "batch" => new HttpRequestMessage(HttpMethod.Get, $"/rooms/{room}/messages?from=0"),
            "stream" => new HttpRequestMessage(HttpMethod.Get, $"/rooms/{room}/events?from=0"),
            "status" => new HttpRequestMessage(HttpMethod.Get, $"/rooms/{room}"),
            _ => new HttpRequestMessage(HttpMethod.Post, $"/rooms/{room}/post") { Content = new FormUrlEncodedContent([new("message", "m")]) },
        };
        return await client.SendAsync(request.With(token), HttpCompletionOption.ResponseHeadersRead).WaitAsync(Wire.Bound);
    }

    [Theory]
    [InlineData("get"), InlineData("batch"), InlineData("stream"), InlineData("status"), InlineData("post")]
    public async Task Every_endpoint_of_a_protected_room_answers_401_403_or_serves_by_the_token(string endpoint)
    {
        var room = $"team-{endpoint}";
        using (var seed = await AskAsync("post", room, Everything)) Assert.Equal(HttpStatusCode.Created, seed.StatusCode);
        foreach (var token in Enum.GetValues<Token>())
        {
            using var response = await AskAsync(endpoint, room, Of(token));
            var expected = token switch
            {
                Token.Valid => endpoint == "post" ? HttpStatusCode.Created : HttpStatusCode.OK,
                Token.OtherRoom => HttpStatusCode.Forbidden,
                _ => HttpStatusCode.Unauthorized,
            };
            Assert.True(expected == response.StatusCode, $"{endpoint} with {token}: {(int)response.StatusCode}");
            if (token == Token.Valid) continue;
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            if (expected == HttpStatusCode.Unauthorized)
            {
                var challenge = Assert.Single(response.Headers.WwwAuthenticate);
                Assert.Equal("Bearer", challenge.Scheme);
                Assert.Equal(token != Token.None, challenge.Parameter?.Contains("invalid_token") == true);
            }
        }
    }

    [Fact]
    public async Task A_read_only_token_reads_but_may_not_post_and_a_wildcard_covers_every_team()
    {
        var reader = Tokens.Make(["team-*"], []);
        using var client = Client();
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Post("team-a", "hi").With(Everything))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Post("team-b", "hi").With(Everything))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(Post("team-a", "mine").With(reader))).StatusCode);
        foreach (var room in new[] { "team-a", "team-b" })
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/rooms/{room}/get/0").With(reader))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/rooms/vault/messages").With(reader))).StatusCode);
    }

    [Fact]
    public async Task A_read_can_carry_its_token_as_access_token_and_a_post_cannot()
    {
        using var client = Client();
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Post("team-query", "hi").With(Everything))).StatusCode);
        Assert.Equal((HttpStatusCode.OK, "hi"), await client.GetTextAsync($"/rooms/team-query/get/0?access_token={Everything}"));
        await using var stream = await SseReader.OpenAsync(client, $"/rooms/team-query/events?from=0&access_token={Everything}");
        Assert.Equal((0, "hi"), await stream.NextAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync($"/rooms/team-query/post?access_token={Everything}", new FormUrlEncodedContent([new("message", "x")]))).StatusCode);
    }

    [Fact]
    public async Task A_poll_held_with_a_valid_token_is_answered_after_the_token_expires()
    {
        var brief = Tokens.Make(["team-brief"], [], lifetime: TimeSpan.FromSeconds(2));
        using var client = Client();
        var held = client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/rooms/team-brief/get/0").With(brief));
        await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/rooms/team-brief").With(Everything)); // loads the room
        var deadline = DateTime.UtcNow + Wire.Bound;
        while (JsonDocument.Parse(await (await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/rooms/team-brief").With(Everything))).Content.ReadAsStringAsync())
                   .RootElement.GetProperty("held").GetInt32() < 1 && DateTime.UtcNow < deadline) await Task.Delay(20);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/rooms/team-brief/get/0").With(brief))).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Post("team-brief", "worth the wait").With(Everything))).StatusCode);
        using var answer = await held.WaitAsync(Wire.Bound);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("worth the wait", await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_stream_ends_at_its_tokens_expiry_with_a_comment_that_says_so()
    {
        var brief = Tokens.Make(["team-stream"], [], lifetime: TimeSpan.FromSeconds(2));
        using var client = Client();
        await using var stream = await SseReader.OpenAsync(client, $"/rooms/team-stream/events?access_token={brief}");
        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        await Assert.ThrowsAsync<EndOfStreamException>(() => stream.NextAsync());
        Assert.Contains(stream.Comments, c => c.Contains("token has expired", StringComparison.Ordinal));
    }

    [Fact]
    public async Task In_a_protected_room_the_author_is_the_tokens_name_whatever_the_form_says()
    {
        using var client = Client();
        var named = new HttpRequestMessage(HttpMethod.Post, "/rooms/team-names/post")
        { Content = new FormUrlEncodedContent([new("message", "signed"), new("name", "Mallory")]) }.With(Tokens.Make([], ["team-names"], name: "Ann"));
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(named)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Post("team-names", "by sub").With(Tokens.Make([], ["team-names"], name: null, sub: "user-42")))).StatusCode);
        var page = JsonDocument.Parse(await (await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/rooms/team-names/messages").With(Everything))).Content.ReadAsStringAsync());
        Assert.Equal(["Ann", "user-42"], page.RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("author").GetString()));
    }

    [Fact]
    public async Task The_room_list_shows_protected_rooms_only_to_a_token_that_may_read_them()
    {
        using var client = Client();
        await client.PostAsync("open", "/rooms/list-open/post");
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Post("team-list", "x").With(Everything))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Post("vault", "x").With(Everything))).StatusCode);

        async Task<string[]> ListAsync(string? token) =>
            [.. JsonDocument.Parse(await (await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/rooms?limit=1000").With(token))).Content.ReadAsStringAsync())
                .RootElement.GetProperty("rooms").EnumerateArray().Select(r => r.GetProperty("room").GetString()!)];
        var anyone = await ListAsync(null);
        Assert.Contains("list-open", anyone);
        Assert.DoesNotContain(anyone, r => r.StartsWith("team-", StringComparison.Ordinal) || r == "vault");
        var team = await ListAsync(Tokens.Make(["team-list"], []));
        Assert.Contains("team-list", team);
        Assert.DoesNotContain("vault", team);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/rooms").With("not.a.jwt"))).StatusCode);
    }

    [Fact]
    public async Task The_open_default_room_needs_no_token_and_a_protected_message_is_cached_privately()
    {
        using var client = Client();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("seed")).StatusCode);
        using var open = await client.GetAsync("/chat/get/0");
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.True(open.Headers.CacheControl!.Public);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Post("team-cache", "x").With(Everything))).StatusCode);
        using var guarded = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/rooms/team-cache/get/0").With(Everything));
        Assert.True(guarded.Headers.CacheControl!.Private);
        Assert.False(guarded.Headers.CacheControl.Public);
    }

    private static HttpRequestMessage Post(string room, string text) =>
        new(HttpMethod.Post, $"/rooms/{room}/post") { Content = new FormUrlEncodedContent([new("message", text)]) };
}
