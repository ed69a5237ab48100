using System.Net.Sockets;
using System.Text;

namespace Chat.Specs.Http;

/// A poll held on the transport path (Host/Transport) is answered where its room completes it: a fan-out's bytes are
/// sent from the room's thread, anything else by the connection's loop. Each way keeps HTTP/1.1's order and framing.
public sealed class HeldPollPathSpecs
{
    [Fact]
    public async Task A_request_pipelined_behind_a_held_poll_is_answered_after_it_in_order()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        await using var raw = await HeldAsync(server, client, "GET /chat/get/0 HTTP/1.1\r\nHost: chat\r\n\r\nGET /chat/get/0 HTTP/1.1\r\nHost: chat\r\n\r\n");

        await client.PostAsync("hello");

        var (held, read) = (await raw.ResponsesAsync(2)) switch { var r => (r[0], r[1]) };
        Assert.Equal((200, "hello", "no-store"), (held.Status, held.Text, held.Header("Cache-Control")));
        Assert.Equal((200, "hello", "public, no-cache"), (read.Status, read.Text, read.Header("Cache-Control")));
    }

    /// What the room's thread sends is what Kestrel's path writes for the same held poll, `Date` aside (the
    /// differential check compares answers made at once, and held polls that time out).
    [Theory]
    [InlineData("/chat/get/0")]
    [InlineData("/rooms/chat/messages?from=0")]
    public async Task A_held_poll_is_answered_as_Kestrels_path_answers_it(string path)
    {
        var clock = new StoppedClock(DateTimeOffset.Parse("2026-12-01T09:30:00.123Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var on = await ChatServer.StartAsync(clock, "--Chat:TransportPath=true");
        await using var off = await ChatServer.StartAsync(clock, "--Chat:TransportPath=false");

        var (sent, written) = (await HeldAnswerAsync(on, path), await HeldAnswerAsync(off, path));

        Assert.Equal(200, sent.Status);
        Assert.Equal(Comparable(written), Comparable(sent));
    }

    private static async Task<RawResponse> HeldAnswerAsync(ChatServer server, string path)
    {
        using var client = server.Client();
        await using var raw = await HeldAsync(server, client, $"GET {path} HTTP/1.1\r\nHost: chat\r\n\r\n");
        await client.PostAsync("hello « ünïcode »");
        return (await raw.ResponsesAsync(1))[0];
    }

    /// A raw connection whose request the room now holds.
    private static async Task<Raw> HeldAsync(ChatServer server, HttpClient client, string request)
    {
        var raw = await Raw.ConnectAsync(server.Address);
        await raw.SendAsync(request);
        await client.UntilHeldAsync(1);
        return raw;
    }

    private static string Comparable(RawResponse response) =>
        string.Join("\n", [response.StatusLine, .. response.Headers.Where(h => h.Name != "Date").Select(h => $"{h.Name}: {h.Value}").Order(StringComparer.Ordinal),
            "", response.Text]);

    [Fact]
    public async Task A_held_poll_that_asked_to_close_gets_its_message_then_the_close()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        await using var raw = await HeldAsync(server, client, "GET /chat/get/0 HTTP/1.1\r\nHost: chat\r\nConnection: close\r\n\r\n");

        await client.PostAsync("hello");

        var answer = (await raw.ResponsesAsync(1))[0];
        Assert.Equal((200, "hello", "close"), (answer.Status, answer.Text, answer.Header("Connection")));
        Assert.Empty(await raw.RestAsync());
    }

    [Fact]
    public async Task A_held_HEAD_poll_gets_the_head_alone_and_the_connection_serves_on()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        await using var raw = await HeldAsync(server, client, "HEAD /chat/get/0 HTTP/1.1\r\nHost: chat\r\n\r\n");

        await client.PostAsync("hello");
        var head = await raw.HeadAsync();
        await raw.SendAsync("GET /chat/get/0 HTTP/1.1\r\nHost: chat\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head, StringComparison.Ordinal);
        Assert.Contains("Content-Length: 5\r\n", head, StringComparison.Ordinal);
        var next = (await raw.ResponsesAsync(1))[0];
        Assert.Equal(("HTTP/1.1 200 OK", "hello"), (next.StatusLine, next.Text)); // no body came before it
    }

    [Fact]
    public async Task A_client_that_stops_reading_gets_every_message_whole_and_in_order_when_it_reads_again()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        await using var raw = await Raw.ConnectAsync(server.Address, receiveBuffer: 1024);
        string Message(int i) => string.Concat(Enumerable.Repeat($"{i:D5}.", 10_000)); // 60,000 bytes

        // Poll, be answered, poll again, reading nothing, until the socket's buffers are full and a poll is not held:
        // an answer the socket took only part of is then the loop's to finish.
        var posted = 0;
        for (; posted < 150; posted++)
        {
            await raw.SendAsync($"GET /chat/get/{posted} HTTP/1.1\r\nHost: chat\r\n\r\n");
            if (!await HeldWithinAsync(client, TimeSpan.FromSeconds(1))) break;
            (await client.PostAsync(Message(posted))).EnsureSuccessStatusCode();
        }

        var answers = await raw.ResponsesAsync(posted);
        Assert.Equal(Enumerable.Range(0, posted).Select(i => (200, Message(i))), answers.Select(a => (a.Status, a.Text)));
        Assert.True(posted > 1, "the first poll was not held");
    }

    private static async Task<bool> HeldWithinAsync(HttpClient client, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if ((await client.GetFromJsonAsync<Wire.RoomStatus>("/rooms/chat"))!.Held == 1) return true;
            await Task.Delay(10);
        }
        return false;
    }

    [Fact]
    public async Task A_held_poll_that_times_out_gets_204_and_its_connection_polls_on()
    {
        await using var server = await ChatServer.StartAsync("--Chat:PollTimeout=00:00:01");
        using var client = server.Client();
        await client.PostAsync("warm", "/rooms/warm/post"); // a first post's start-up is no part of the second poll's second
        await using var raw = await Raw.ConnectAsync(server.Address);
        await raw.SendAsync("GET /chat/get/0 HTTP/1.1\r\nHost: chat\r\n\r\n");

        var expired = (await raw.ResponsesAsync(1))[0];
        await raw.SendAsync("GET /chat/get/0 HTTP/1.1\r\nHost: chat\r\n\r\n");
        await client.UntilHeldAsync(1);
        await client.PostAsync("hello");

        Assert.Equal(204, expired.Status);
        var answer = (await raw.ResponsesAsync(1))[0];
        Assert.Equal((200, "hello"), (answer.Status, answer.Text));
    }

    [Fact]
    public async Task A_client_that_resets_its_connection_is_forgotten_and_logged_as_no_error()
    {
        using var folder = new TempFolder("chat-reset-");
        await using var host = await ChildHost.StartAsync(folder.File("chat.db"));
        using var client = host.Client();
        foreach (var request in (string[])["GET /chat/get/0 HTTP/1.1\r\nHost: chat\r\n\r\n", "GET /chat/get/1 HTTP/1.1\r\nHost: chat\r\n\r\n"])
        {
            var raw = await Raw.ConnectAsync(host.Address);
            await raw.SendAsync(request); // held, then past the end: answered, and the connection waits for the next
            if (request.Contains("/0 ", StringComparison.Ordinal)) await client.UntilHeldAsync(1);
            else await raw.ResponsesAsync(1);
            await raw.ResetAsync();
        }

        await client.UntilHeldAsync(0);
        var log = string.Join("\n", await host.TerminateAndReadStdoutAsync()) + host.Stderr;
        Assert.DoesNotContain("Unhandled exception", log);
    }

    /// The path hears of a socket's bytes edge-triggered: a FIN that came with the poll, before the path read it, is
    /// heard all the same, and the poll let go at once (with the path off, Kestrel does so).
    [Fact]
    public async Task A_poll_sent_with_a_FIN_is_let_go_at_once_and_its_connection_closed()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        await client.PostAsync("warm", "/rooms/warm/post");
        var raws = new List<Raw>();
        for (var i = 0; i < 20; i++)
        {
            var raw = await Raw.ConnectAsync(server.Address);
            await raw.SendAndShutAsync("GET /chat/get/0 HTTP/1.1\r\nHost: chat\r\n\r\n");
            raws.Add(raw);
        }

        foreach (var raw in raws)
        {
            using var soon = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            Assert.Empty(await raw.RestAsync(soon.Token)); // closed, unanswered, long before the poll's 30 s
            await raw.DisposeAsync();
        }
        await client.UntilHeldAsync(0);
    }

    /// The path reads a head into a 4 KiB buffer: a bigger one (a browser's cookies) goes to Kestrel's HTTP with the bytes
    /// read, and is answered as with the path off; so is a request pipelined behind it.
    [Fact]
    public async Task A_poll_whose_head_outgrows_the_paths_buffer_is_answered_by_Kestrel_and_so_is_the_next()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        await client.PostAsync("hello");
        await using var raw = await Raw.ConnectAsync(server.Address);

        await raw.SendAsync($"GET /chat/get/0 HTTP/1.1\r\nHost: chat\r\nCookie: a={new string('c', 6000)}\r\n\r\nGET /chat/get/0 HTTP/1.1\r\nHost: chat\r\n\r\n");

        Assert.Equal([(200, "hello"), (200, "hello")], (await raw.ResponsesAsync(2)).Select(answer => (answer.Status, answer.Text)));
    }

    /// A connection the path served polls on is handed to Kestrel's HTTP at its first other request, here with half a
    /// head read: Kestrel reads those bytes first, then the rest from the socket, and serves the connection from then on.
    [Fact]
    public async Task A_request_cut_in_its_head_after_a_poll_is_read_whole_by_Kestrel()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        await client.PostAsync("hello");
        await using var raw = await Raw.ConnectAsync(server.Address);
        await raw.SendAsync("GET /chat/get/0 HTTP/1.1\r\nHost: chat\r\n\r\n");
        var polled = (await raw.ResponsesAsync(1))[0];

        const string post = "POST /chat/post HTTP/1.1\r\nHost: chat\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 13\r\n\r\nmessage=again";
        await raw.SendAsync(post[..30]);
        await Task.Delay(200); // the path reads the first 30 bytes alone, and hands them on
        await raw.SendAsync(post[30..] + "GET /chat/get/1 HTTP/1.1\r\nHost: chat\r\n\r\n");

        var (posted, read) = (await raw.ResponsesAsync(2)) switch { var r => (r[0], r[1]) };
        Assert.Equal((200, "hello"), (polled.Status, polled.Text));
        Assert.Equal(201, posted.Status);
        Assert.Equal((200, "again"), (read.Status, read.Text));
    }

    /// A seed post whose form came whole with its head is stored and answered on the path: Kestrel never hears of its
    /// connection. One whose body is still on its way when the head is read goes to Kestrel, and is stored all the same.
    [Fact]
    public async Task A_whole_post_is_answered_on_the_path_and_one_whose_body_lags_by_Kestrel()
    {
        using var folder = new TempFolder("chat-post-path-");
        await using var host = await ChildHost.StartAsync(folder.File("chat.db"), "--Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel.Connections=Debug");
        const string head = "POST /rooms/r/post HTTP/1.1\r\nHost: chat\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 13\r\n\r\n";
        await using var whole = await Raw.ConnectAsync(host.Address);
        await whole.SendAsync(head + "message=first");
        var first = (await whole.ResponsesAsync(1))[0];
        Assert.Equal((201, "/rooms/r/get/0"), (first.Status, first.Header("Location")));
        Assert.Equal(0, KestrelConnections(host));

        await using var lagging = await Raw.ConnectAsync(host.Address);
        await lagging.SendAsync(head + "messa");
        await Task.Delay(200); // the path reads the head and half the form, and hands them on
        await lagging.SendAsync("ge=later");
        Assert.Equal(201, (await lagging.ResponsesAsync(1))[0].Status);
        Assert.Equal(1, KestrelConnections(host));

        using var client = host.Client();
        Assert.Equal(["first", "later"], [await client.GetStringAsync("/rooms/r/get/0"), await client.GetStringAsync("/rooms/r/get/1")]);
    }

    /// Connections Kestrel's HTTP has taken, by its own log.
    private static int KestrelConnections(ChildHost host) =>
        host.Stdout.Split('\n').Count(line => line.Contains("Connection id", StringComparison.Ordinal) && line.Contains("started", StringComparison.Ordinal));

    /// A client's posts count in one bucket on both paths: one Kestrel answers (its body lags) and one the path
    /// answers take the burst of two, and the next post is refused with 429 wherever it arrives.
    [Fact]
    public async Task A_clients_posts_count_against_one_rate_on_both_paths()
    {
        await using var server = await ChatServer.StartAsync("--Chat:PostsPerSecond=1", "--Chat:PostBurst=2");
        const string head = "POST /chat/post HTTP/1.1\r\nHost: chat\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\n";
        await using var raw = await Raw.ConnectAsync(server.Address);
        await raw.SendAsync(head + "mess");
        await Task.Delay(200); // Kestrel's, from here on: the path hands on a connection for good
        await raw.SendAsync("age=a");
        var kestrels = (await raw.ResponsesAsync(1))[0];
        await using var path = await Raw.ConnectAsync(server.Address);
        await path.SendAsync(head + "message=b" + head + "message=c");

        var paths = await path.ResponsesAsync(2);
        Assert.Equal([201, 201, 429], [kestrels.Status, paths[0].Status, paths[1].Status]);
        Assert.NotNull(paths[1].Header("Retry-After"));
    }

    /// The path's connections are its own until it hands one on: it keeps Kestrel's keep-alive timeout for them with a
    /// heartbeat of its own.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_connection_idle_past_the_keep_alive_timeout_is_closed_on_both_paths(bool path)
    {
        await using var server = await ChatServer.StartAsync($"--Chat:TransportPath={path}", "--Kestrel:Limits:KeepAliveTimeout=00:00:02");
        using var client = server.Client();
        await client.PostAsync("hello");
        await using var raw = await Raw.ConnectAsync(server.Address);
        await raw.SendAsync("GET /chat/get/0 HTTP/1.1\r\nHost: chat\r\n\r\n");
        Assert.Equal((200, "hello"), (await raw.ResponsesAsync(1)) switch { var r => (r[0].Status, r[0].Text) });
        var idle = System.Diagnostics.Stopwatch.StartNew();

        using var within = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.Empty(await raw.RestAsync(within.Token));
        Assert.InRange(idle.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(6));
    }

    /// `Kestrel:Limits:MaxConcurrentConnections` counts the path's connections too, which Kestrel never sees: one past
    /// it is closed unanswered, and one that closes makes room.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_connection_past_the_limit_is_closed_unanswered_on_both_paths(bool path)
    {
        await using var server = await ChatServer.StartAsync($"--Chat:TransportPath={path}", "--Kestrel:Limits:MaxConcurrentConnections=3");
        using (var client = server.Client()) await client.PostAsync("hello"); // its connection closes again
        var open = new List<Raw>();
        for (var i = 0; i < 3; i++) open.Add(await SoonPolledAsync(server) ?? throw new Xunit.Sdk.XunitException($"connection {i + 1} of 3 refused"));

        Assert.Null(await PolledAsync(server));
        await open[0].DisposeAsync();
        var again = await SoonPolledAsync(server); // once the server heard the close
        Assert.NotNull(again);
        foreach (var raw in open.Skip(1).Append(again)) await raw.DisposeAsync();
    }

    /// A connection polled once a closed one no longer counts: tried for 5 s.
    private static async Task<Raw?> SoonPolledAsync(ChatServer server)
    {
        for (var tries = 0; tries < 50; tries++, await Task.Delay(100))
            if (await PolledAsync(server) is { } raw) return raw;
        return null;
    }

    /// A raw connection whose poll was answered, open; null when the server closed it unanswered.
    private static async Task<Raw?> PolledAsync(ChatServer server)
    {
        var raw = await Raw.ConnectAsync(server.Address);
        try
        {
            await raw.SendAsync("GET /chat/get/0 HTTP/1.1\r\nHost: chat\r\n\r\n");
            if ((await raw.ResponsesAsync(1))[0].Text == "hello") return raw;
        }
        catch (IOException)
        {
            // closed, or reset with the request unread
        }
        await raw.DisposeAsync();
        return null;
    }

    /// One raw HTTP/1.1 connection whose reads are bounded.
    private sealed class Raw(TcpClient tcp) : IAsyncDisposable
    {
        private readonly CancellationTokenSource _bound = new(Wire.Bound);
        private readonly NetworkStream _stream = tcp.GetStream();

        public static async Task<Raw> ConnectAsync(Uri server, int? receiveBuffer = null)
        {
            var tcp = new TcpClient();
            if (receiveBuffer is { } size) tcp.ReceiveBufferSize = size;
            await tcp.ConnectAsync(server.Host, server.Port);
            return new Raw(tcp);
        }

        public Task SendAsync(string request) => _stream.WriteAsync(Encoding.ASCII.GetBytes(request), _bound.Token).AsTask();

        public Task<List<RawResponse>> ResponsesAsync(int count) => RawHttp.ReadResponsesAsync(_stream, count, _bound.Token);

        /// Bytes up to the end of a head, one at a time so nothing after it is taken.
        public async Task<string> HeadAsync()
        {
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await _stream.ReadAsync(one, _bound.Token) == 1)
                head.Append((char)one[0]);
            return head.ToString();
        }

        /// What comes until the server closes.
        public async Task<byte[]> RestAsync(CancellationToken within = default)
        {
            using var rest = new MemoryStream();
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(_bound.Token, within);
            await _stream.CopyToAsync(rest, bound.Token);
            return rest.ToArray();
        }

        /// The request, then a FIN at once.
        public async Task SendAndShutAsync(string request)
        {
            await SendAsync(request);
            tcp.Client.Shutdown(SocketShutdown.Send);
        }

        /// Closes with a reset (RST), as a client killed with bytes unread does.
        public async Task ResetAsync()
        {
            await Task.Delay(100); // the server reads on (a held poll) or waits for the next request
            tcp.Client.LingerState = new LingerOption(true, 0);
            tcp.Client.Dispose(); // the socket alone: NetworkStream's dispose would shut it down (a FIN) first
        }

        public ValueTask DisposeAsync()
        {
            _bound.Dispose();
            tcp.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
