using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Chat.Specs.Http;

/// Whatever a client sends, it gets a clear 4xx with a problem+json body: never a 500, a hang or lost data.
public sealed class BadInputSpecs() : SharedServer("--Chat:MaxMessageBytes=1024")
{
    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains($"\"status\":{(int)status}", body);
        Assert.Contains("\"title\":", body);
    }

    [Theory]
    [InlineData("GET", "/chat/post", "POST")]
    [InlineData("PUT", "/chat/post", "POST")]
    [InlineData("DELETE", "/chat/post", "POST")]
    [InlineData("POST", "/chat/get/0", "GET, HEAD")]
    [InlineData("DELETE", "/chat/get/0", "GET, HEAD")]
    [InlineData("PATCH", "/rooms/x/post", "POST")]
    public async Task A_wrong_method_is_405_with_Allow(string method, string path, string allow)
    {
        using var response = await Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)).WaitAsync(Wire.Bound);
        await AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
    }

    [Fact]
    public async Task A_form_without_a_message_field_is_400()
    {
        using var response = await Client.PostAsync("/chat/post", new FormUrlEncodedContent([new("text", "hi")])).WaitAsync(Wire.Bound);
        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_empty_message_is_400() =>
        await AssertProblemAsync(await Client.PostAsync(""), HttpStatusCode.BadRequest);

    [Fact]
    public async Task A_body_that_is_not_a_form_is_415()
    {
        using var response = await Client.PostAsync("/chat/post", new StringContent("""{"message":"hi"}""", Encoding.UTF8, "application/json")).WaitAsync(Wire.Bound);
        await AssertProblemAsync(response, (HttpStatusCode)415);
    }

    [Theory]
    [InlineData("message=%ZZ")]
    [InlineData("message=%F")]
    [InlineData("message=%FF%FE")]
    [InlineData("message=%C3%28")]
    public async Task An_undecodable_urlencoded_form_is_400(string body)
    {
        using var response = await Client.PostAsync("/chat/post", new StringContent(body, Encoding.ASCII, "application/x-www-form-urlencoded")).WaitAsync(Wire.Bound);
        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("multipart/form-data", "--x\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nhi\r\n--x--\r\n")]
    [InlineData("multipart/form-data; boundary=x", "garbage without any boundary")]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\n\xff\xfe\r\n--x--\r\n")]
    public async Task An_undecodable_multipart_form_is_400(string contentType, string body)
    {
        var content = new ByteArrayContent(body.Select(c => (byte)c).ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await Client.PostAsync("/chat/post", content).WaitAsync(Wire.Bound);
        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_message_at_the_limit_is_stored_and_one_byte_more_is_413()
    {
        using var atLimit = await Client.PostAsync(new string('a', 1022) + "é"); // 1024 bytes of UTF-8
        Assert.Equal(HttpStatusCode.Created, atLimit.StatusCode);

        await AssertProblemAsync(await Client.PostAsync(new string('a', 1023) + "é"), HttpStatusCode.RequestEntityTooLarge);
        await AssertProblemAsync(await Client.PostMultipartAsync(new string('a', 1025)), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetTextAsync("/chat/get/2")).Status);
    }

    [Fact]
    public async Task A_huge_declared_body_is_413_before_it_is_sent()
    {
        var response = await RawHttp.SendAsync(Server.Address,
            "POST /chat/post HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 104857600\r\n\r\nmessage=aaaa");
        Assert.Equal(413, response.Status);
        Assert.Equal("application/problem+json", response.Header("Content-Type"));
    }

    [Fact]
    public async Task A_huge_chunked_body_is_413_and_is_not_read_to_its_end()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(Server.Address.Host, Server.Address.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("POST /chat/post HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nmessage=\r\n"));
        using var bound = new CancellationTokenSource(Wire.Bound);
        var answer = RawHttp.ReadResponseAsync(stream, bound.Token);
        var chunk = Encoding.ASCII.GetBytes($"10000\r\n{new string('a', 0x10000)}\r\n");
        long sent = 0;
        try
        {
            // Up to 64 MiB, but stop as soon as the server has answered (it should after ~3 KiB past the limit).
            for (var i = 0; i < 1024 && !answer.IsCompleted; i++)
            {
                await stream.WriteAsync(chunk, bound.Token);
                sent += chunk.Length;
            }
        }
        catch (IOException) { } // the server closed the connection on us: that is the point
        var response = await answer;
        Assert.Equal(413, response.Status);
        Assert.True(sent < 16 * 1024 * 1024, $"sent {sent} bytes before the answer");
    }

    [Theory]
    [InlineData("/chat/get/abc", 400)]
    [InlineData("/chat/get/-1", 400)]
    [InlineData("/chat/get/1.5", 400)]
    [InlineData("/chat/get/+1", 400)]
    [InlineData("/chat/get/0x10", 400)]
    [InlineData("/chat/get/%20", 400)]
    [InlineData("/chat/get/123456789012345678901234567890", 404)]
    [InlineData("/chat/get/9223372036854775807", 404)]
    [InlineData("/chat/get/", 404)]
    [InlineData("/chat/get", 404)]
    [InlineData("/chat/nothing", 404)]
    [InlineData("/rooms/bad.name/get/0", 400)]
    [InlineData("/rooms/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/get/0", 400)]
    public async Task A_malformed_or_overflowing_index_or_path_is_a_clear_4xx(string path, int status)
    {
        using var response = await Client.GetAsync(path).WaitAsync(Wire.Bound);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_bad_idempotency_key_is_400()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/chat/post") { Content = new FormUrlEncodedContent([new("message", "hi")]) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', 201));
        using var response = await Client.SendAsync(request).WaitAsync(Wire.Bound);
        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    private async Task<long> NextAsync(string room) => (await Client.GetFromJsonAsync<Wire.RoomStatus>($"/rooms/{room}"))!.Next;

    private static string Post(string room, string contentLength, string body = "message=abcdef") => // 14 bytes
        $"POST /rooms/{room}/post HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {contentLength}\r\n\r\n{body}";

    /// Reads one response, and whether the server then closed the connection (within a few seconds).
    private static async Task<(RawResponse Response, bool Closed)> AnswerAndCloseAsync(Uri server, string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var bound = new CancellationTokenSource(Wire.Bound);
        var response = await RawHttp.ReadResponseAsync(stream, bound.Token);
        using var close = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            return (response, await stream.ReadAsync(new byte[1], close.Token) == 0);
        }
        catch (OperationCanceledException)
        {
            return (response, false); // still open
        }
    }

    /// RFC 9110 8.6 and RFC 9112 6.3: Content-Length is digits alone, and any other value makes the framing
    /// unknowable: 400 and the connection closed. Kestrel's parser allows a sign and keeps only the number, so
    /// without a check of the raw bytes `+14` was read as 14 and the message stored.
    [Theory]
    [InlineData("+14")]
    [InlineData("+0014")]
    public async Task A_signed_Content_Length_is_400_problem_json_and_closes_the_connection(string length)
    {
        var room = NewRoom("cl");
        var (response, closed) = await AnswerAndCloseAsync(Server.Address, Post(room, length));
        Assert.Equal(400, response.Status);
        Assert.Equal("application/problem+json", response.Header("Content-Type"));
        Assert.Contains("\"status\":400", response.Text);
        Assert.Equal("close", response.Header("Connection"));
        Assert.True(closed, "the connection stayed open");
        Assert.Equal(0, await NextAsync(room));
    }

    [Fact]
    public async Task A_signed_Content_Length_is_400_on_a_read_too()
    {
        var room = NewRoom("cl");
        var (response, closed) = await AnswerAndCloseAsync(Server.Address, $"GET /rooms/{room} HTTP/1.1\r\nHost: x\r\nContent-Length: +0\r\n\r\n");
        Assert.Equal(400, response.Status);
        Assert.Equal("application/problem+json", response.Header("Content-Type"));
        Assert.True(closed, "the connection stayed open");
    }

    /// Every other value that is not digits: a 4xx (Kestrel's own 400 for most), never a 500, never stored.
    [Theory]
    [InlineData("-1")]
    [InlineData("-0")]
    [InlineData("1 4")]
    [InlineData("0x0e")]
    [InlineData("14a")]
    [InlineData("")]
    public async Task A_Content_Length_that_is_not_digits_is_a_4xx_and_nothing_is_stored(string length)
    {
        var room = NewRoom("cl");
        var response = await RawHttp.SendAsync(Server.Address, Post(room, length));
        Assert.InRange(response.Status, 400, 499);
        Assert.Equal(0, await NextAsync(room));
    }

    /// Whitespace around the value is not part of it (RFC 9110 5.5), and leading zeros are digits.
    [Theory]
    [InlineData(" 14")]
    [InlineData("14 ")]
    [InlineData("\t14")]
    [InlineData("014")]
    public async Task A_Content_Length_of_digits_with_whitespace_around_is_read(string length)
    {
        var room = NewRoom("cl");
        Assert.Equal(201, (await RawHttp.SendAsync(Server.Address, Post(room, length))).Status);
        Assert.Equal(1, await NextAsync(room));
    }

    /// On one keep-alive connection, requests sent back to back: the check follows each request's framing (a
    /// body that looks like a header, a chunked body) and refuses only the request whose own header is signed;
    /// the same with every byte sent on its own, so that the server reads them split anywhere.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task On_a_keep_alive_connection_only_the_signed_request_is_refused(bool byteByByte)
    {
        var room = NewRoom("cl");
        var lookalike = "message=a%0D%0A" + "\r\nContent-Length: +5\r\n\r\n"; // raw CRLFs in the body: not a header
        var chunk = "message=chunked";
        string[] requests =
        [
            Post(room, "14"),
            Post(room, lookalike.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), lookalike),
            $"POST /rooms/{room}/post HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
                + $"{chunk.Length:x};ext=1\r\n{chunk}\r\n0\r\nX-Trailer: Content-Length: +1\r\n\r\n",
            $"GET /rooms/{room}/get/0 HTTP/1.1\r\nHost: x\r\n\r\n",
            Post(room, "+14"),
            Post(room, "14"), // after the refusal: never read
        ];
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(Server.Address.Host, Server.Address.Port);
        var stream = tcp.GetStream();
        var bytes = Encoding.ASCII.GetBytes(string.Concat(requests));
        using var bound = new CancellationTokenSource(Wire.Bound);
        if (!byteByByte) await stream.WriteAsync(bytes);
        else
            foreach (var b in bytes)
                try
                {
                    await stream.WriteAsync(new[] { b });
                    await Task.Yield();
                }
                catch (IOException) { break; } // closed after the refusal: the last request is never read
        var responses = await RawHttp.ReadResponsesAsync(stream, 5, bound.Token);
        Assert.Equal([201, 201, 201, 200, 400], responses.Select(r => r.Status));
        Assert.Equal(0, await stream.ReadAsync(new byte[1], bound.Token));
        Assert.Equal(3, await NextAsync(room));
    }

    /// Requests no well-behaved client sends, over raw sockets. None may get a 5xx, and the service must
    /// still work afterwards.
    [Fact]
    public async Task A_corpus_of_hostile_requests_never_gets_a_500()
    {
        var form = "Content-Type: application/x-www-form-urlencoded\r\n";
        string[] corpus =
        [
            "GET /chat/get/0 HTTP/1.1\r\n\r\n",
            "GARBAGE\r\n\r\n",
            "GET\r\n\r\n",
            "GET / HTTP/9.9\r\nHost: x\r\n\r\n",
            "GET /chat/get/\0 HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /chat/get/%00 HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /chat/get/%FF%FE HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /chat/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /chat/get/" + new string('9', 5000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /rooms/" + new string('r', 10000) + "/get/0 HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + new string('h', 64 * 1024) + "\r\n\r\n",
            "POST /chat/post HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
            "POST /chat/post HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
            "POST /chat/post HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
            "POST /chat/post HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n" + form + "\r\nZZ\r\nmessage=x\r\n0\r\n\r\n",
            "POST /chat/post HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n" + form + "\r\n0\r\n\r\n",
            "POST /chat/post HTTP/1.1\r\nHost: x\r\n" + form + "Content-Length: 0\r\n\r\n",
            "POST /chat/post HTTP/1.1\r\nHost: x\r\n" + form + "Content-Length: 9\r\n\r\nmessage=%",
            "POST /chat/post HTTP/1.1\r\nHost: x\r\n" + form + "Content-Length: 13\r\n\r\n&&&==&=&=&=&=",
            "POST /chat/post HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=\r\nContent-Length: 4\r\n\r\n----",
            "POST /chat/post HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=" + new string('b', 500) + "\r\nContent-Length: 4\r\n\r\n----",
            "POST /chat/post HTTP/1.1\r\nHost: x\r\nContent-Type: ;;;===\r\nContent-Length: 4\r\n\r\nabcd",
            "POST /chat/post HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded; charset=utf-16\r\nContent-Length: 10\r\n\r\nmessage=hi",
            "POST /chat/post HTTP/1.1\r\nHost: x\r\n" + form + "Idempotency-Key: \u0001\u0002\r\nContent-Length: 10\r\n\r\nmessage=hi",
            "POST /chat/post HTTP/1.1\r\nHost: x\r\n" + form + "Content-Length: 100\r\n\r\nmessage=short",
            "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
            "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n",
            "TRACE /chat/get/0 HTTP/1.1\r\nHost: x\r\n\r\n",
            "BREW /chat/get/0 HTTP/1.1\r\nHost: x\r\n\r\n",
            "head /chat/get/0 HTTP/1.1\r\nHost: x\r\n\r\n", // methods are case-sensitive: not HEAD
            "Head /rooms/chat/messages?from=0 HTTP/1.1\r\nHost: x\r\n\r\n",
            "get /chat/get/0 HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /chat/get/0?" + new string('q', 100_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET http://evil.example/chat/get/0 HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /chat/get/0 HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + new string('"', 1000) + "\r\n\r\n",
        ];
        foreach (var request in corpus)
        {
            int status;
            try
            {
                status = (await RawHttp.SendAsync(Server.Address, Encoding.Latin1.GetBytes(request), TimeSpan.FromSeconds(5))).Status;
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                continue; // the server closed the connection without an answer: not a 500, and not a hang
            }
            catch (OperationCanceledException)
            {
                // Only a request whose body never fully arrives may be left waiting (the server waits for it).
                Assert.Contains("Content-Length: 100\r\n", request);
                continue;
            }
            // 505 HTTP Version Not Supported is Kestrel's exact answer to HTTP/9.9: the protocol's, not a failure.
            Assert.True(status < 500 || (status == 505 && request.Contains("HTTP/9.9")), $"{status} for {request[..Math.Min(80, request.Length)]}");
        }
        Assert.Equal(HttpStatusCode.Created, (await Client.PostAsync("still alive")).StatusCode);
    }
}
