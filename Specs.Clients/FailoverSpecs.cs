using Chat.Client;
using Chat.Specs.Http.Support;
using Xunit.Abstractions;

namespace Chat.Specs.Clients;

/// A client of two nodes that share their rooms through a real redis-server: when the first node stops, posts
/// and the follow carry on through the second, and the follower still sees every message once, in order.
public sealed class FailoverSpecs(ITestOutputHelper output)
{
    [Fact]
    public async Task Posts_and_a_follow_fail_over_to_the_second_node_when_the_first_is_stopped()
    {
        await using var redis = await RedisServer.StartAsync();
        using var folder = new TempFolder("chat-client-failover-");
        await using var first = await ChildHost.StartAsync(folder.File("a.db"), $"--Redis:Configuration={redis.Configuration}");
        await using var second = await ChildHost.StartAsync(folder.File("b.db"), $"--Redis:Configuration={redis.Configuration}");
        var retries = new List<ChatRetry>();
        var options = new ChatClientOptions { OnRetry = r => { lock (retries) retries.Add(r); } };
        using var poster = new ChatClient(options, first.Address, second.Address);
        using var follower = new ChatClient(options, first.Address, second.Address);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var seen = new List<ChatMessage>();
        var following = Task.Run(async () =>
        {
            await foreach (var message in follower.FollowAsync("failover", 0, bound.Token))
            {
                seen.Add(message);
                if (seen.Count == 10) return;
            }
        });

        for (var i = 0; i < 5; i++) Assert.Equal(i, await poster.PostAsync("failover", $"message {i}", bound.Token));
        using (var http = first.Client()) await http.UntilHeldAsync(1, "failover"); // the follower waits on the first node
        Assert.Equal(0, await first.TerminateAsync());
        for (var i = 5; i < 10; i++) Assert.Equal(i, await poster.PostAsync("failover", $"message {i}", bound.Token));
        await following.WaitAsync(bound.Token);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"message {i}"), seen.Select(m => m.Text));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), seen.Select(m => m.Index));
        Assert.NotEmpty(retries);
        Assert.All(retries, r => Assert.Equal(first.Address, new Uri(r.Node.GetLeftPart(UriPartial.Authority))));
        Assert.Equal(10, (await poster.StatusAsync("failover", bound.Token)).Next); // from the second node
        output.WriteLine($"{retries.Count} failed attempts on the stopped node: {string.Join("; ", retries.Select(r => $"{r.Request} {(object?)r.Status ?? r.Error?.GetType().Name}"))}");
    }
}
