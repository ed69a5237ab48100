using System.Net;

namespace Chat.Specs.Http;

/// Behind nginx every request reaches a node from nginx's address; the per-client limits must still be about the
/// client. Each node allows 2 held polls and a burst of 2 posts (1 more a second) per client, so three nodes hold
/// at most 6 polls of one client whichever way nginx spreads them. Without the forwarded address, every client is
/// 127.0.0.1 and the first flooder's refusals are everyone's.
public sealed class ProxyQuotaSpecs(ProxyQuotaSpecs.Cluster cluster) : IClassFixture<ProxyQuotaSpecs.Cluster>
{
    public sealed class Cluster : IAsyncLifetime
    {
        public ProxiedCluster Nodes { get; private set; } = null!;
        public async Task InitializeAsync() => Nodes = await ProxiedCluster.StartAsync(
            "--Chat:MaxWaitersPerClient=2", "--Chat:PostsPerSecond=1", "--Chat:PostBurst=2", "--Chat:PollTimeout=00:00:30",
            "--Logging:LogLevel:Chat=Information");
        public async Task DisposeAsync() => await Nodes.DisposeAsync();
    }

    private ProxiedCluster Nodes => cluster.Nodes;

    [Fact]
    public async Task A_client_holding_polls_past_its_limit_gets_429_while_the_others_are_held_and_delivered()
    {
        const string room = "quota-polls";
        var others = Enumerable.Range(3, 6).Select(i => Nodes.Client($"127.0.0.{i}")).ToList();
        using var flooder = Nodes.Client("127.0.0.2");
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var theirs = others.SelectMany(c => new[] { c.GetAsync($"/rooms/{room}/get/0", bound.Token), c.GetAsync($"/rooms/{room}/get/0", bound.Token) }).ToList();
        while (await Nodes.HeldAsync(room) < theirs.Count)
        {
            Assert.DoesNotContain(theirs, t => t.IsCompleted); // none refused: each of them holds 2
            await Task.Delay(20, bound.Token);
        }

        // The flooder also claims another address on every request: nginx replaces what a client says.
        var floods = Enumerable.Range(0, 12).Select(i =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/rooms/{room}/get/0");
            request.Headers.Add("X-Forwarded-For", $"10.0.0.{i}");
            return flooder.SendAsync(request, bound.Token);
        }).ToList();
        while (await Nodes.HeldAsync(room) + floods.Count(f => f.IsCompleted) < theirs.Count + floods.Count) await Task.Delay(20, bound.Token);
        var refused = floods.Where(f => f.IsCompleted).Select(f => f.Result).ToList();
        Assert.True(refused.Count >= 6, $"only {refused.Count} of the flooder's 12 polls refused");
        Assert.All(refused, r => Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode));
        Assert.All(refused, r => Assert.NotNull(r.Headers.RetryAfter));

        using var poster = Nodes.Client("127.0.0.9");
        Assert.Equal(HttpStatusCode.Created, (await poster.PostAsync("for everyone", $"/rooms/{room}/post")).StatusCode);
        foreach (var answer in await Task.WhenAll(theirs))
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal("for everyone", await answer.Content.ReadAsStringAsync(bound.Token));
        }
        Assert.All(await Task.WhenAll(floods), f => Assert.Contains(f.StatusCode, (HttpStatusCode[])[HttpStatusCode.OK, HttpStatusCode.TooManyRequests]));
        foreach (var c in others) c.Dispose();
    }

    [Fact]
    public async Task A_client_posting_past_its_rate_gets_429_while_the_others_keep_posting()
    {
        const string room = "quota-posts";
        using var flooder = Nodes.Client("127.0.0.2");
        var flood = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => flooder.PostAsync($"flood {i}", $"/rooms/{room}/post")));
        Assert.True(flood.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests) >= 12,
            $"the flooder got {flood.Count(r => r.StatusCode == HttpStatusCode.Created)} of 24 posts through 3 buckets of 2");
        Assert.All(flood, r => Assert.Contains(r.StatusCode, (HttpStatusCode[])[HttpStatusCode.Created, HttpStatusCode.TooManyRequests]));

        for (var i = 3; i <= 8; i++)
        {
            using var other = Nodes.Client($"127.0.0.{i}");
            Assert.Equal(HttpStatusCode.Created, (await other.PostAsync($"from {i}", $"/rooms/{room}/post")).StatusCode);
        }
    }

    /// Straight to a node, past nginx: the node trusts only 127.0.0.1 to forward an address, so a client at
    /// 127.0.0.5 that claims three others is still 127.0.0.5, and its third poll is over the limit of 2.
    [Fact]
    public async Task A_client_that_reaches_a_node_directly_is_counted_by_its_own_address_whatever_it_forwards()
    {
        const string room = "quota-direct";
        var node = Nodes.Nodes[0];
        using var direct = LoopbackClient.From("127.0.0.5", node.Address);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var polls = new List<Task<HttpResponseMessage>>();
        for (var i = 1; i <= 3; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/rooms/{room}/get/0");
            request.Headers.Add("X-Forwarded-For", $"203.0.113.{i}");
            polls.Add(direct.SendAsync(request, bound.Token));
            if (i < 3) { using var status = node.Client(); await status.UntilHeldAsync(i, room); }
        }
        var third = await polls[2].WaitAsync(Wire.Bound);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);

        var deadline = DateTime.UtcNow + Wire.Bound;
        while (!node.Stdout.Contains($"Rejected GET /rooms/{room}/get/0 from 127.0.0.5: 429", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.Contains($"Rejected GET /rooms/{room}/get/0 from 127.0.0.5: 429", node.Stdout);
        Assert.DoesNotContain("203.0.113.", node.Stdout);

        using var poster = Nodes.Client("127.0.0.9");
        Assert.Equal(HttpStatusCode.Created, (await poster.PostAsync("released", $"/rooms/{room}/post")).StatusCode);
        Assert.All(await Task.WhenAll(polls[..2]), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
    }
}
