using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Chat.Specs.Http;

/// Many clients at once against the real host: what leaks and what reorders shows here.
public sealed class ConcurrencySpecs
{
    [Fact]
    public async Task Three_hundred_clients_that_abandon_a_held_poll_leave_no_waiter()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        var sockets = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 300; i++)
            {
                var tcp = new TcpClient();
                await tcp.ConnectAsync(server.Address.Host, server.Address.Port);
                await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes("GET /chat/get/0 HTTP/1.1\r\nHost: x\r\n\r\n"));
                sockets.Add(tcp);
            }
            await client.UntilHeldAsync(300);
        }
        finally
        {
            foreach (var tcp in sockets) tcp.Dispose();
        }

        await client.UntilHeldAsync(0);
        (await client.PostAsync("after")).EnsureSuccessStatusCode();
        Assert.Equal((HttpStatusCode.OK, "after"), await client.GetTextAsync("/chat/get/0"));
    }

    [Fact]
    public async Task Four_posters_and_three_followers_see_one_complete_order_that_keeps_each_posters_order()
    {
        await using var server = await ChatServer.StartAsync();
        const int posters = 4, each = 25, total = posters * each;
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var followers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            using var client = server.Client();
            var seen = new List<string>();
            while (seen.Count < total)
            {
                using var response = await client.GetAsync($"/chat/get/{seen.Count}", bound.Token);
                if (response.StatusCode == HttpStatusCode.OK) seen.Add(await response.Content.ReadAsStringAsync(bound.Token));
            }
            return seen;
        })).ToList();

        await Task.WhenAll(Enumerable.Range(0, posters).Select(p => Task.Run(async () =>
        {
            using var client = server.Client();
            for (var i = 0; i < each; i++) (await client.PostAsync($"p{p}-{i:D2}")).EnsureSuccessStatusCode();
        })));

        var orders = await Task.WhenAll(followers).WaitAsync(bound.Token);
        Assert.All(orders, order => Assert.Equal(orders[0], order));
        Assert.Equal(total, orders[0].Distinct().Count());
        for (var p = 0; p < posters; p++)
        {
            var mine = orders[0].Where(m => m.StartsWith($"p{p}-", StringComparison.Ordinal)).ToList();
            Assert.Equal(mine.Order(StringComparer.Ordinal).ToList(), mine);
        }
    }
}
