using System.Net;

namespace Chat.Specs.Http;

/// Who a client is, by the `Proxy` settings: the peer's own address, or the one a trusted proxy forwards.
public sealed class ClientAddressSpecs
{
    private static HttpRequestMessage PollFor(string forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/chat/get/0");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return request;
    }

    /// With no setting, loopback is a trusted proxy (an nginx on the same machine needs nothing set): two people
    /// it forwards are two clients, each with a quota of one held poll.
    [Fact]
    public async Task By_default_a_proxy_on_loopback_is_trusted_and_each_forwarded_client_has_its_own_quota()
    {
        await using var server = await ChatServer.StartAsync("--Chat:MaxWaitersPerClient=1");
        using var proxy = server.ClientFrom("127.0.0.2");
        var first = proxy.SendAsync(PollFor("198.51.100.1"));
        var second = proxy.SendAsync(PollFor("198.51.100.2"));
        await proxy.UntilHeldAsync(2);
        var again = await proxy.SendAsync(PollFor("198.51.100.1")).WaitAsync(Wire.Bound);
        Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);

        await proxy.PostAsync("both");
        Assert.All(await Task.WhenAll(first, second).WaitAsync(Wire.Bound), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
    }

    /// Trust narrowed to one proxy address: a peer that is not it is counted as itself, whatever it forwards.
    [Fact]
    public async Task A_peer_outside_the_known_proxies_is_counted_by_its_own_address()
    {
        await using var server = await ChatServer.StartAsync("--Chat:MaxWaitersPerClient=1", "--Proxy:KnownProxies:0=127.0.0.9");
        using var peer = server.ClientFrom("127.0.0.2");
        var first = peer.SendAsync(PollFor("198.51.100.1"));
        await peer.UntilHeldAsync(1);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await peer.SendAsync(PollFor("198.51.100.2")).WaitAsync(Wire.Bound)).StatusCode);

        using var known = server.ClientFrom("127.0.0.9");
        var forwarded = known.SendAsync(PollFor("198.51.100.3"));
        await peer.UntilHeldAsync(2);
        await peer.PostAsync("done");
        Assert.All(await Task.WhenAll(first, forwarded).WaitAsync(Wire.Bound), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
    }

    [Theory]
    [InlineData("--Proxy:KnownProxies=10.0.0.7,proxy.local", "Proxy:KnownProxies")]
    [InlineData("--Proxy:KnownNetworks:0=10.0.0.0/33", "Proxy:KnownNetworks")]
    [InlineData("--Proxy:KnownNetworks=10.0.0.0", "Proxy:KnownNetworks")]
    [InlineData("--Proxy:ForwardLimit=0", "ForwardLimit")]
    public Task A_bad_proxy_setting_stops_the_start_with_its_name(string setting, string name) => ChildHost.AssertStopsNamingAsync(name, setting);
}
