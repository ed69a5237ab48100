using System.Text.RegularExpressions;
using Chat.Specs.Http;
using Snapshooter;
using Snapshooter.Xunit;

namespace Chat.Specs.Snapshots;

/// The seed protocol's exact exchanges, pinned: status line, every header but Date (in name order), and the body.
/// Only what varies between runs is scrubbed (Date, the trace id in problem bodies).
public sealed partial class SeedExchanges
{
    public sealed record Exchange(string Request, string Status, string[] Headers, string Body);

    private static Exchange Pin(string request, RawResponse response) => new(
        request.Split("\r\n")[0],
        response.StatusLine,
        // In name order: Kestrel's HTTP and the transport path (Host/Transport) each write them in an order of their own.
        response.Headers.Where(h => h.Name != "Date").OrderBy(h => h.Name, StringComparer.OrdinalIgnoreCase).Select(h => $"{h.Name}: {h.Value}").ToArray(),
        TraceId().Replace(response.Text, "\"traceId\":\"<scrubbed>\""));

    private static async Task<Exchange> SendAsync(ChatServer server, string request) =>
        Pin(request, await RawHttp.SendAsync(server.Address, request));

    private static string Get(string path) => $"GET {path} HTTP/1.1\r\nHost: chat\r\nConnection: close\r\n\r\n";

    private static string Post(string body, string type = "application/x-www-form-urlencoded") =>
        $"POST /chat/post HTTP/1.1\r\nHost: chat\r\nConnection: close\r\nContent-Type: {type}\r\nContent-Length: {System.Text.Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";

    [Fact]
    public async Task Existing_message()
    {
        var name = Snapshot.FullName();
        await using var server = await ChatServer.StartAsync();
        await SendAsync(server, Post("message=Hello%2C+%3Cb%3Eworld%3C%2Fb%3E+%F0%9F%98%80"));
        Snapshot.Match(await SendAsync(server, Get("/chat/get/0")), name);
    }

    [Fact]
    public async Task Held_then_delivered()
    {
        var name = Snapshot.FullName();
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        var held = RawHttp.SendAsync(server.Address, Get("/chat/get/0"));
        await client.UntilHeldAsync(1);
        var posted = await SendAsync(server, Post("message=first"));
        Snapshot.Match(new[] { Pin(Get("/chat/get/0"), await held.WaitAsync(Wire.Bound)), posted }, name);
    }

    [Fact]
    public async Task Not_found_past_the_end() =>
        await MatchOneAsync(Snapshot.FullName(), Get("/chat/get/1"));

    [Fact]
    public async Task No_content_at_the_poll_timeout() =>
        await MatchOneAsync(Snapshot.FullName(), Get("/chat/get/0"), "--Chat:PollTimeout=00:00:00.100");

    [Fact]
    public async Task Method_not_allowed() =>
        await MatchOneAsync(Snapshot.FullName(), "DELETE /chat/get/0 HTTP/1.1\r\nHost: chat\r\nConnection: close\r\n\r\n");

    [Fact]
    public async Task Bad_request_for_an_empty_message() =>
        await MatchOneAsync(Snapshot.FullName(), Post("message="));

    [Fact]
    public async Task Too_large() =>
        await MatchOneAsync(Snapshot.FullName(), Post("message=" + new string('x', 17)), "--Chat:MaxMessageBytes=16");

    /// Snapshooter finds the test's name from the call stack, which an async helper hides: the test passes it.
    private static async Task MatchOneAsync(SnapshotFullName name, string request, params string[] settings)
    {
        await using var server = await ChatServer.StartAsync(settings);
        Snapshot.Match(await SendAsync(server, request), name);
    }

    [GeneratedRegex("\"traceId\":\"[^\"]*\"")]
    private static partial Regex TraceId();
}
