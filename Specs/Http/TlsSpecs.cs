using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Chat.Specs.Http;

/// HTTPS and HTTP/2 on Kestrel itself, with no proxy in front: an endpoint from standard Kestrel configuration
/// (`Kestrel:Endpoints:Https:Url` and `:Certificate:Path` / `:Password`), a certificate made here for 127.0.0.1.
public sealed class TlsSpecs : IAsyncLifetime
{
    private const string Password = "spec-only-password";
    private readonly TempFolder _folder = new("chat-tls-");
    private ChatServer _server = null!;
    private string _thumbprint = "";

    public async Task InitializeAsync()
    {
        var pfx = _folder.File("server.pfx");
        _thumbprint = SelfSigned(pfx);
        _server = await ChatServer.StartAsync(
            "--Kestrel:Endpoints:Https:Url=https://127.0.0.1:0",
            $"--Kestrel:Endpoints:Https:Certificate:Path={pfx}",
            $"--Kestrel:Endpoints:Https:Certificate:Password={Password}");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    /// A self-signed server certificate for IP 127.0.0.1, written as a password-protected PFX; its SHA-256 thumbprint.
    private static string SelfSigned(string path)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // server auth
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, Password));
        return certificate.GetCertHashString(HashAlgorithmName.SHA256);
    }

    /// A handler that trusts exactly the certificate made above (its name must match too), and counts the TCP
    /// connections it opens.
    private SocketsHttpHandler Trusting(Action? connected = null) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is not null
                && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None // self-signed: no chain, but the name matches
                && certificate.GetCertHashString(HashAlgorithmName.SHA256) == _thumbprint,
        },
        ConnectCallback = async (context, cancel) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, cancel);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            connected?.Invoke();
            return new NetworkStream(socket, ownsSocket: true);
        },
    };

    private HttpClient Client(SocketsHttpHandler handler) => new(handler) { BaseAddress = _server.Address, Timeout = TimeSpan.FromSeconds(30) };

    private static HttpRequestMessage Http2(HttpMethod method, string path, HttpContent? content = null) =>
        new(method, path) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = content };

    [Fact]
    public async Task The_service_chats_over_https_with_a_certificate_from_configuration()
    {
        Assert.Equal("https", _server.Address.Scheme);
        using var client = Client(Trusting());
        var room = SharedServer.NewRoom("tls");

        using var posted = await client.PostAsync("over tls", $"/rooms/{room}/post");
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        Assert.Equal((HttpStatusCode.OK, "over tls"), await client.GetTextAsync($"/rooms/{room}/get/0"));

        // The certificate is really the self-signed one: a client with the default validation refuses it.
        using var untrusting = new HttpClient { BaseAddress = _server.Address, Timeout = TimeSpan.FromSeconds(30) };
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync($"/rooms/{room}").WaitAsync(Wire.Bound));
        Assert.IsType<System.Security.Authentication.AuthenticationException>(refused.InnerException);
    }

    /// The check of `Content-Length` reads the decrypted bytes of an HTTPS endpoint too (BadInputSpecs has the rest).
    [Fact]
    public async Task A_signed_Content_Length_over_https_is_400_and_nothing_is_stored()
    {
        var room = SharedServer.NewRoom("tls");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_server.Address.Host, _server.Address.Port);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString(HashAlgorithmName.SHA256) == _thumbprint,
        });
        await tls.WriteAsync(System.Text.Encoding.ASCII.GetBytes(
            $"POST /rooms/{room}/post HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: +14\r\n\r\nmessage=abcdef"));
        using var bound = new CancellationTokenSource(Wire.Bound);
        var response = await RawHttp.ReadResponseAsync(tls, bound.Token);

        Assert.Equal(400, response.Status);
        Assert.Equal("application/problem+json", response.Header("Content-Type"));
        Assert.Equal("close", response.Header("Connection"));
        using var client = Client(Trusting());
        Assert.Equal(0, (await client.GetFromJsonAsync<Wire.RoomStatus>($"/rooms/{room}"))!.Next);
    }

    /// HTTP/2 by ALPN: 50 polls held on one connection (Kestrel allows 100 streams per connection by default).
    /// A client that cancels one request resets that stream only (RST_STREAM): its poll is forgotten at once, the
    /// connection and the other 49 polls stay, and one post answers all of them.
    [Fact]
    public async Task Many_polls_are_held_on_one_http2_connection_and_a_reset_stream_forgets_only_its_own()
    {
        const int Polls = 50;
        var connections = 0;
        using var h2 = Client(Trusting(() => Interlocked.Increment(ref connections)));
        using var status = Client(Trusting()); // the room's status on a connection of its own
        var room = SharedServer.NewRoom("h2");

        using (var first = await h2.SendAsync(Http2(HttpMethod.Get, $"/rooms/{room}")).WaitAsync(Wire.Bound))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal(HttpVersion.Version20, first.Version);
        }

        using var cancel = new CancellationTokenSource();
        var abandoned = h2.SendAsync(Http2(HttpMethod.Get, $"/rooms/{room}/get/0"), cancel.Token);
        var polls = Enumerable.Range(1, Polls - 1).Select(_ => h2.SendAsync(Http2(HttpMethod.Get, $"/rooms/{room}/get/0"))).ToList();
        await status.UntilHeldAsync(Polls, room);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        await status.UntilHeldAsync(Polls - 1, room);
        await Task.Delay(200);
        await status.UntilHeldAsync(Polls - 1, room); // still: no other poll went with it

        using var posted = await h2.SendAsync(Http2(HttpMethod.Post, $"/rooms/{room}/post", new FormUrlEncodedContent([new("message", "to all")]))).WaitAsync(Wire.Bound);
        await Wire.ShouldHaveDeliveredOverHttp2Async(posted, polls, "to all");
        Assert.Equal(1, Volatile.Read(ref connections));
    }
}
