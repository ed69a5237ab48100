using System.Net;
using Chat.Client;
using Chat.Specs.Http.Support;

namespace Chat.Specs.Clients;

/// `ChatClient.PostAsync` against the real Host: a post is stored once however its attempts fail.
public sealed class PostSpecs : IAsyncLifetime
{
    private readonly TempFolder _folder = new("chat-client-post-");
    private ChildHost _host = null!;

    public async Task InitializeAsync() => _host = await ChildHost.StartAsync(_folder.File("chat.db"));

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _folder.Dispose();
    }

    /// The relay forwards the post, reads the host's 201 and drops the connection instead: the client saw a cut
    /// connection, retries with the same Idempotency-Key, and gets the first attempt's index; nothing is stored twice.
    [Fact]
    public async Task A_post_whose_answer_is_cut_after_it_was_stored_is_retried_and_stored_once_at_its_first_index()
    {
        using var http = _host.Client();
        using (await http.PostAsync("before", "/rooms/cut/post")) { }
        await using var relay = new Relay(_host.Address, cuts: 1);
        var retries = new List<ChatRetry>();
        using var chat = new ChatClient(new ChatClientOptions { OnRetry = retries.Add }, relay.Address);

        var index = await chat.PostAsync("cut", "once only", "Ann").WaitAsync(Wire.Bound);

        Assert.Equal(1, relay.Cut);
        Assert.Equal(1, index);
        var retry = Assert.Single(retries);
        Assert.Null(retry.Status); // no answer at all: the connection was cut
        Assert.Equal(2, (await http.GetFromJsonAsync<Wire.RoomStatus>("/rooms/cut"))!.Next);
        Assert.Equal((HttpStatusCode.OK, "once only"), await http.GetTextAsync("/rooms/cut/get/1"));
        var keys = relay.Sent.Split("\r\n").Where(line => line.StartsWith("Idempotency-Key:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, keys.Count);
        Assert.Single(keys.Distinct());
    }

    /// Every request names the client (`client=`, so it counts once here) and carries the bearer token when one
    /// is configured: posts, statuses and polls alike.
    [Fact]
    public async Task Every_request_carries_the_client_id_and_the_bearer_token()
    {
        await using var relay = new Relay(_host.Address);
        var options = new ChatClientOptions { Token = "t0k.3n", ClientId = "spec-client-1" };
        using var chat = new ChatClient(options, relay.Address);
        using var bound = new CancellationTokenSource(Wire.Bound);

        await chat.PostAsync("token", "hello", bound.Token);
        await chat.StatusAsync("token", bound.Token);
        await foreach (var _ in chat.FollowAsync("token", 0, bound.Token)) break;

        var heads = relay.Sent.Split("\r\n\r\n").Where(h => h.Contains(" HTTP/1.1", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, heads.Count);
        Assert.All(heads, head =>
        {
            Assert.Matches(@"(POST|GET) /rooms/token\S*[?&]client=spec-client-1[& ]", head.Split("\r\n").Last(l => l.Contains(" HTTP/1.1", StringComparison.Ordinal)));
            Assert.Contains("\r\nAuthorization: Bearer t0k.3n", "\r\n" + head, StringComparison.Ordinal);
        });
    }

    /// Over the post rate (a burst of one, one more a second) the host answers 429 with `Retry-After: 1`: the
    /// client waits that long, not its own shorter backoff, and each post is stored once. The bucket refills on a
    /// timer, so of three posts at once at least one meets an empty bucket.
    [Fact]
    public async Task A_post_over_the_rate_limit_waits_as_long_as_Retry_After_says_and_is_stored_once()
    {
        await using var host = await ChildHost.StartAsync(_folder.File("limited.db"), "--Chat:PostsPerSecond=1", "--Chat:PostBurst=1");
        var retries = new List<ChatRetry>();
        using var chat = new ChatClient(new ChatClientOptions { OnRetry = retries.Add }, host.Address);

        // All three at once: one after another, a host slowed by the other specs could take a second for each and
        // never meet the limit.
        var indexes = await Task.WhenAll(new[] { "first", "second", "third" }.Select(text => chat.PostAsync("limited", text).WaitAsync(Wire.Bound)));

        Assert.Equal([0, 1, 2], indexes.Order());
        Assert.NotEmpty(retries);
        Assert.All(retries, r => Assert.Equal((HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(1)), (r.Status!.Value, r.Delay)));
        using var http = host.Client();
        Assert.Equal(3, (await http.GetFromJsonAsync<Wire.RoomStatus>("/rooms/limited"))!.Next);
    }
}
