using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Chat.Specs.Http;

/// Every limit answers at once with a clear status, and only the client over it is refused.
public sealed class LimitsSpecs
{
    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "no Retry-After");
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Held_polls_past_the_per_client_cap_are_429_and_another_client_still_polls()
    {
        await using var server = await ChatServer.StartAsync("--Chat:MaxWaitersPerClient=3");
        using var client = server.Client();
        using var other = server.ClientFrom("127.0.0.2");
        var held = Enumerable.Range(0, 3).Select(_ => client.GetAsync("/chat/get/0")).ToList();
        await client.UntilHeldAsync(3);

        await AssertRefusedAsync(await client.GetAsync("/chat/get/0").WaitAsync(Wire.Bound), HttpStatusCode.TooManyRequests);
        var theirs = other.GetAsync("/chat/get/0");
        await client.UntilHeldAsync(4);
        await client.PostAsync("for everyone");

        foreach (var poll in held.Append(theirs)) Assert.Equal(HttpStatusCode.OK, (await poll.WaitAsync(Wire.Bound)).StatusCode);
        await client.UntilHeldAsync(0);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/chat/get/0").WaitAsync(Wire.Bound)).StatusCode); // answered at once: no quota
    }

    [Fact]
    public async Task Held_polls_past_the_total_cap_are_503()
    {
        await using var server = await ChatServer.StartAsync("--Chat:MaxWaiters=2");
        using var client = server.Client();
        using var other = server.ClientFrom("127.0.0.3");
        var held = new[] { client.GetAsync("/chat/get/0"), client.GetAsync("/chat/get/0") };
        await client.UntilHeldAsync(2);

        await AssertRefusedAsync(await other.GetAsync("/chat/get/0").WaitAsync(Wire.Bound), HttpStatusCode.ServiceUnavailable);
        await AssertRefusedAsync(await other.GetAsync("/rooms/chat/messages?from=0").WaitAsync(Wire.Bound), HttpStatusCode.ServiceUnavailable);
        await AssertRefusedAsync(await other.GetAsync("/rooms/chat/events").WaitAsync(Wire.Bound), HttpStatusCode.ServiceUnavailable);
        await client.PostAsync("done");
        await Task.WhenAll(held).WaitAsync(Wire.Bound);
    }

    [Fact]
    public async Task A_client_flooding_posts_gets_429_while_another_keeps_chatting()
    {
        await using var server = await ChatServer.StartAsync("--Chat:PostsPerSecond=1", "--Chat:PostBurst=5");
        using var flooder = server.Client();
        using var chatter = server.ClientFrom("127.0.0.4");

        var flood = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++) flood.Add((await flooder.PostAsync($"flood {i}")).StatusCode);
        using var refused = await flooder.PostAsync("one more");
        using var mine = await chatter.PostAsync("hello from elsewhere");

        Assert.True(flood.Count(s => s == HttpStatusCode.Created) is >= 5 and <= 7, string.Join(",", flood));
        Assert.Contains(HttpStatusCode.TooManyRequests, flood);
        await AssertRefusedAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.Created, mine.StatusCode);
    }

    [Fact]
    public async Task Headers_that_are_too_large_are_refused_with_431()
    {
        await using var server = await ChatServer.StartAsync("--Kestrel:Limits:MaxRequestHeadersTotalSize=4096");
        var response = await RawHttp.SendAsync(server.Address, $"GET /chat/get/0 HTTP/1.1\r\nHost: x\r\nX-Big: {new string('h', 8000)}\r\n\r\n");
        Assert.Equal(431, response.Status);
    }

    [Fact]
    public async Task A_client_trickling_its_headers_is_cut_off()
    {
        await using var server = await ChatServer.StartAsync("--Kestrel:Limits:RequestHeadersTimeout=00:00:01");
        var cutOff = await TrickleAsync(server, "GET /chat/get/0 HTTP/1.1\r\nHost: x\r\nX-Slow: ", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        Assert.True(cutOff, "the server kept reading a header trickled for 10 s");
    }

    [Fact]
    public async Task A_client_trickling_its_body_is_cut_off()
    {
        await using var server = await ChatServer.StartAsync("--Chat:MinBodyBytesPerSecond=100", "--Chat:BodyRateGrace=00:00:01.500");
        var cutOff = await TrickleAsync(server,
            "POST /chat/post HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nmessage=",
            new string('a', 50));
        Assert.True(cutOff, "the server kept reading a body trickled for 10 s");
    }

    /// Sends <paramref name="start"/>, then one byte of <paramref name="rest"/> every 200 ms. True when the
    /// server closes the connection (with or without a 408) before the trickle ends.
    private static async Task<bool> TrickleAsync(ChatServer server, string start, string rest)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Address.Host, server.Address.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(start));
        var reading = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            try { while (await stream.ReadAsync(buffer) > 0) { } }
            catch (IOException) { }
        });
        foreach (var c in rest)
        {
            if (reading.IsCompleted) return true;
            try { await stream.WriteAsync(new[] { (byte)c }); }
            catch (IOException) { return true; }
            await Task.Delay(200);
        }
        return reading.IsCompleted;
    }
}
