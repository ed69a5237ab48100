using System.Diagnostics;
using Chat.Specs.Http;

namespace Chat.Specs.History;

/// The service under test as real processes: one node on its SQLite file (Solo), or a redis-server and three nodes
/// (Shared), each node a `dotnet Chat.Host.dll` child on a free 127.0.0.1 port. The nemesis's faults are methods here;
/// a node started again keeps its file and settings and gets a new port (clients ask <see cref="AddressOf"/>).
public sealed class Cluster : IAsyncDisposable
{
    /// The nodes' own settings for every run: short polls, frequent keep-alives, and Redis timeouts of 2 s, so that a
    /// Redis stopped for longer makes posts meet them. A signing key, so that moderators' tokens are checked (rooms
    /// stay open); retention on `lobby`, swept every second, so that followers meet trims and `chat` keeps everything.
    public static readonly string[] Settings =
    [
        "--Chat:PollTimeout=00:00:02", "--Chat:KeepAlive=00:00:01", $"--Auth:SigningKey={Tokens.Key}",
        "--Chat:Retention:0:Rooms=lobby", $"--Chat:Retention:0:KeepLast={KeepLast}", "--Chat:RetentionSweep=00:00:01",
    ];

    public const int KeepLast = 20;
    private const string RedisTimeouts = "asyncTimeout=2000,syncTimeout=2000,connectTimeout=2000";

    private readonly TempFolder _folder = new("chat-history-");
    private readonly Node[] _nodes;

    private sealed class Node(string folder, string[] settings)
    {
        public string Folder { get; } = folder;
        public string Db => Path.Combine(Folder, "chat.db");
        public string[] Settings { get; } = settings;
        public ChildHost? Host;
        public Uri Address = new("http://127.0.0.1:9/"); // nothing listens there before the first start
        public bool Frozen;
    }

    private Cluster(Topology topology, RedisServer? redis)
    {
        Redis = redis;
        var count = topology == Topology.Solo ? 1 : 3;
        _nodes = [.. Enumerable.Range(0, count).Select(n =>
        {
            var folder = Directory.CreateDirectory(_folder.File($"node{n}")).FullName;
            string[] shared = redis is null ? [] : [$"--Redis:Configuration={redis.Configuration},name=node{n},{RedisTimeouts}"];
            return new Node(folder, [.. Settings, .. shared]);
        })];
    }

    public RedisServer? Redis { get; }
    public int Count => _nodes.Length;

    public static async Task<Cluster> StartAsync(Topology topology)
    {
        var cluster = new Cluster(topology, topology == Topology.Shared ? await RedisServer.StartAsync() : null);
        for (var n = 0; n < cluster.Count; n++) await cluster.StartAsync(n);
        return cluster;
    }

    /// Where node <paramref name="n"/> listens now (while it is down: where it listened, which refuses connections).
    public Uri AddressOf(int n) => Volatile.Read(ref _nodes[n].Address);

    public bool IsUp(int n) => _nodes[n].Host is not null;

    public async Task StartAsync(int n)
    {
        var node = _nodes[n];
        node.Host = await ChildHost.StartAsync(node.Db, node.Settings);
        Volatile.Write(ref node.Address, node.Host.Address);
    }

    /// kill -9: no shutdown code runs; posts in flight get no answer.
    public async Task KillAsync(int n)
    {
        var host = _nodes[n].Host ?? throw new InvalidOperationException($"node {n} is down");
        _nodes[n].Host = null;
        await host.KillAsync();
        await host.DisposeAsync();
    }

    /// SIGTERM: held polls are answered 204, posts being committed are answered, then it exits.
    public async Task TerminateAsync(int n)
    {
        var host = _nodes[n].Host ?? throw new InvalidOperationException($"node {n} is down");
        _nodes[n].Host = null;
        await host.TerminateAsync();
        await host.DisposeAsync();
    }

    /// The node's store cannot be written: its SQLite file, write-ahead log and folder made immutable (`chattr +i`,
    /// which stops root too, on the file descriptors the node already holds). Permissions would not: we run as root.
    public async Task FreezeStoreAsync(int n)
    {
        var node = _nodes[n];
        node.Frozen = true;
        await ChattrAsync("+i", [.. StoreFiles(node), node.Folder]);
    }

    public async Task ThawStoreAsync(int n)
    {
        var node = _nodes[n];
        await ChattrAsync("-i", [node.Folder, .. StoreFiles(node)]);
        node.Frozen = false;
    }

    private static IEnumerable<string> StoreFiles(Node node) => new[] { node.Db, node.Db + "-wal" }.Where(File.Exists);

    /// Whether `chattr +i` works where the runs keep their files (ext4 and xfs: yes; tmpfs and overlayfs: no). Null
    /// when it does, else why not.
    public static async Task<string?> WhyStoresCannotFreezeAsync()
    {
        using var probe = new TempFolder("chat-chattr-");
        var file = probe.File("probe");
        await File.WriteAllTextAsync(file, "probe");
        try
        {
            await ChattrAsync("+i", [file]);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return e.Message;
        }
        try
        {
            await using var stream = new FileStream(file, FileMode.Append, FileAccess.Write);
            return "a file made immutable by chattr +i could still be written";
        }
        catch (UnauthorizedAccessException) { return null; }
        catch (IOException) { return null; }
        finally { await ChattrAsync("-i", [file]); }
    }

    private static async Task ChattrAsync(string flag, string[] paths)
    {
        if (paths.Length == 0) return;
        var info = new ProcessStartInfo("chattr") { RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(flag);
        foreach (var path in paths) info.ArgumentList.Add(path);
        using var chattr = Process.Start(info)!;
        var error = await chattr.StandardError.ReadToEndAsync();
        await chattr.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        if (chattr.ExitCode != 0) throw new InvalidOperationException($"chattr {flag} failed: {error.Trim()}");
    }

    /// `CLIENT KILL` of every link node <paramref name="n"/> has to Redis (its commands and its subscription): each
    /// node names its links (`name=nodeN` in its Redis configuration).
    public async Task<int> KillLinksAsync(int n)
    {
        var redis = Redis ?? throw new InvalidOperationException("no Redis");
        var ids = (await redis.CliAsync("CLIENT", "LIST")).Split('\n')
            .Where(line => line.Contains($" name=node{n} ", StringComparison.Ordinal))
            .Select(line => line.Split(' ').First(f => f.StartsWith("id=", StringComparison.Ordinal))[3..]).ToList();
        foreach (var id in ids) await redis.CliAsync("CLIENT", "KILL", "ID", id);
        return ids.Count;
    }

    /// Heals what a run may have left broken: every node up, every store writable, Redis running.
    public async Task HealAsync()
    {
        Redis?.Resume();
        for (var n = 0; n < Count; n++)
        {
            if (_nodes[n].Frozen) await ThawStoreAsync(n);
            if (_nodes[n].Host is null) await StartAsync(n);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            if (node.Frozen) { try { await ThawStoreAsync(Array.IndexOf(_nodes, node)); } catch (InvalidOperationException) { } }
            if (node.Host is { } host) await host.DisposeAsync();
        }
        if (Redis is not null)
        {
            try { Redis.Resume(); } catch (InvalidOperationException) { }
            await Redis.DisposeAsync();
        }
        _folder.Dispose();
    }
}
