using System.Runtime.CompilerServices;

namespace Chat.Specs.Http.Support;

/// What operators run: a redis-server, three Host nodes sharing it, and nginx in front with the shipped
/// `deploy/nginx.conf`; everything on loopback. Each node listens on a port of its own, fixed for the cluster's
/// life, so a node killed or stopped comes back where nginx expects it. Clients talk to <see cref="Proxy"/> only.
public sealed class ProxiedCluster : IAsyncDisposable
{
    private readonly TempFolder _folder = new("chat-cluster-");
    private readonly ChildHost?[] _nodes = new ChildHost?[3];
    private readonly int[] _ports = [FreePort.Take(), FreePort.Take(), FreePort.Take()];
    private string[] _settings = [];
    private RedisServer _redis = null!;
    private Nginx _nginx = null!;

    public Uri Proxy => _nginx.Address;

    /// A browser's way in: TLS and HTTP/2 on one connection (trusting the certificate nginx was given), which counts
    /// the connections it opens in <paramref name="connections"/>.
    public HttpClient TlsClient(StrongBox<int> connections)
    {
        var certificate = _nginx.Certificate;
        var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.GetCertHashString() },
            ConnectCallback = async (context, ct) =>
            {
                Interlocked.Increment(ref connections.Value);
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        };
        return new HttpClient(handler)
        {
            BaseAddress = _nginx.TlsAddress,
            DefaultRequestVersion = System.Net.HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = Wire.Bound,
        };
    }
    public IReadOnlyList<ChildHost> Nodes => [.. _nodes.Select(n => n!)];

    /// Nodes trust only nginx's address (127.0.0.1) to forward a client's, and not the rest of loopback: the specs'
    /// clients are 127.0.0.2 and up, so one that reaches a node directly is a client, not a proxy.
    public static async Task<ProxiedCluster> StartAsync(params string[] settings)
    {
        var cluster = new ProxiedCluster();
        try
        {
            cluster._redis = await RedisServer.StartAsync();
            cluster._settings = [$"--Redis:Configuration={cluster._redis.Configuration}", "--Proxy:KnownProxies=127.0.0.1", .. settings];
            await Task.WhenAll(Enumerable.Range(0, 3).Select(cluster.StartNodeAsync));
            cluster._nginx = await Nginx.StartAsync(cluster._ports);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync(); // what did start (the redis-server, the other nodes) stops with the failure
            throw;
        }
    }

    private async Task StartNodeAsync(int n) =>
        _nodes[n] = await ChildHost.StartAsync(_folder.File($"node{n}.db"), [.. _settings, $"--urls=http://127.0.0.1:{_ports[n]}"]);

    /// A client of the proxy, connecting from <paramref name="source"/> (127.0.0.2 and up).
    public HttpClient Client(string source) => LoopbackClient.From(source, Proxy);

    /// kill -9 of node <paramref name="n"/>, then the same node started again on its port and file.
    public async Task KillAndRestartAsync(int n)
    {
        await _nodes[n]!.KillAsync();
        await _nodes[n]!.DisposeAsync();
        await StartNodeAsync(n);
    }

    /// SIGTERM (a rolling restart's stop: held polls answered 204, then exit), then the node started again.
    public async Task TerminateAndRestartAsync(int n)
    {
        var code = await _nodes[n]!.TerminateAsync();
        if (code != 0) throw new InvalidOperationException($"node {n} exited {code} on SIGTERM");
        await _nodes[n]!.DisposeAsync();
        await StartNodeAsync(n);
    }

    /// Polls held now, summed over the nodes (each node's room status counts its own).
    public async Task<int> HeldAsync(string room)
    {
        var held = 0;
        foreach (var node in Nodes)
        {
            using var client = node.Client();
            held += (await client.GetFromJsonAsync<Wire.RoomStatus>($"/rooms/{room}").WaitAsync(Wire.Bound))!.Held;
        }
        return held;
    }

    public async ValueTask DisposeAsync()
    {
        if (_nginx is not null) await _nginx.DisposeAsync();
        foreach (var node in _nodes) if (node is not null) await node.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
        _folder.Dispose();
    }
}
