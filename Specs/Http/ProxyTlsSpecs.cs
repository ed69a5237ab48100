using System.Net;
using System.Runtime.CompilerServices;

namespace Chat.Specs.Http;

/// Browsers reach the nodes as sites are deployed: through the shipped nginx, over TLS with HTTP/2, so a page's held
/// polls and its posts share one connection (HTTP/1.1 gives a browser six per host, and a poll held on each took them all).
public sealed class ProxyTlsSpecs
{
    [Fact]
    public async Task Over_TLS_and_HTTP2_eight_held_polls_and_a_post_share_one_connection()
    {
        await using var cluster = await ProxiedCluster.StartAsync("--Chat:PollTimeout=00:00:30");
        var connections = new StrongBox<int>();
        using var browser = cluster.TlsClient(connections);
        var room = "tls" + Guid.NewGuid().ToString("N")[..8];

        var polls = Enumerable.Range(0, 8).Select(_ => browser.GetAsync($"/rooms/{room}/get/0")).ToArray();
        for (var tries = 0; await cluster.HeldAsync(room) < 8; tries++)
        {
            Assert.True(tries < 300, $"{await cluster.HeldAsync(room)} of 8 polls held");
            await Task.Delay(50);
        }
        using var posted = await browser.PostAsync($"/rooms/{room}/post", new FormUrlEncodedContent([new("message", "hello over h2")]));
        await Wire.ShouldHaveDeliveredOverHttp2Async(posted, polls, "hello over h2");
        Assert.Equal(1, connections.Value);
    }
}
