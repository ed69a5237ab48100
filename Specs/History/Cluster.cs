using System.Diagnostics;
using Chat.Specs.Http;

namespace Chat.Specs.History;

/// The service under test as real processes: one node on its SQLite file (Solo), a redis-server and three nodes
/// (Shared), or a Redis Cluster of three masters with a replica each and three nodes (Sharded), each node a
/// `dotnet Chat.Host.dll` child on a free 127.0.0.1 port. The nemesis's faults are methods here; a node started again
/// keeps its file and settings and gets a new port (clients ask <see cref="AddressOf"/>).
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

    private Cluster(Topology topology, RedisServer? redis, RedisCluster? shards)
    {
        Redis = redis;
        Shards = shards;
        var count = topology == Topology.Solo ? 1 : 3;
        _nodes = [.. Enumerable.Range(0, count).Select(n =>
        {
            var folder = Directory.CreateDirectory(_folder.File($"node{n}")).FullName;
            string[] shared = (redis, shards) switch
            {
                ({ } one, _) => [$"--Redis:Configuration={one.Configuration},name=node{n},{RedisTimeouts}"],
                // Over the cluster a post is acknowledged once a replica holds it (WAIT), so that a failover keeps it.
                (_, { } every) => [$"--Redis:Configuration={every.Configuration},name=node{n},{RedisTimeouts}", "--Redis:Replicas=1"],
                _ => [],
            };
            return new Node(folder, [.. Settings, .. shared]);
        })];
    }

    public RedisServer? Redis { get; }

    /// The Redis Cluster (Sharded).
    public RedisCluster? Shards { get; }

    public int Count => _nodes.Length;

    public static async Task<Cluster> StartAsync(Topology topology)
    {
        var cluster = topology switch
        {
            Topology.Shared => new Cluster(topology, await RedisServer.StartAsync(), null),
            Topology.Sharded => new Cluster(topology, null, await RedisCluster.StartAsync()),
            _ => new Cluster(topology, null, null),
        };
        try
        {
            if (cluster.Shards is { } shards && (await Task.WhenAll(Plan.Rooms.Select(room => shards.MasterOfSlotAsync(SlotOf(room))))).Distinct().Count() < Plan.Rooms.Length)
                throw new InvalidOperationException($"the rooms {string.Join(", ", Plan.Rooms)} share a master: the cluster's faults would strike one shard only");
            for (var n = 0; n < cluster.Count; n++) await cluster.StartAsync(n);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// A room's slot: every key of a room carries it as a hash tag.
    public static int SlotOf(string room) => RedisCluster.SlotOf($"chat:{{{room}}}:log");

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

    /// `CLIENT KILL` of every link node <paramref name="n"/> has to Redis (its commands and its subscription), on
    /// every server of a cluster: each node names its links (`name=nodeN` in its Redis configuration).
    public async Task<int> KillLinksAsync(int n)
    {
        IReadOnlyList<Func<string[], Task<string>>> servers = Shards is { } shards
            ? [.. shards.LivePorts.Select(port => (Func<string[], Task<string>>)(args => RedisCluster.CliAsync(port, args)))]
            : [(Redis ?? throw new InvalidOperationException("no Redis")).CliAsync];
        var killed = 0;
        foreach (var cli in servers)
        {
            var ids = (await cli(["CLIENT", "LIST"])).Split('\n')
                .Where(line => line.Contains($" name=node{n} ", StringComparison.Ordinal))
                .Select(line => line.Split(' ').First(f => f.StartsWith("id=", StringComparison.Ordinal))[3..]).ToList();
            foreach (var id in ids) await cli(["CLIENT", "KILL", "ID", id]);
            killed += ids.Count;
        }
        return killed;
    }

    /// kill -9 of the redis-server that is master of <paramref name="room"/>'s slot; once its replica is promoted
    /// (every server says `cluster_state:ok` and that the replica serves the slot) and <paramref name="down"/> has
    /// passed since the kill, it is started again on its port, folder and nodes.conf, and rejoins as the replica of
    /// the new master. Says what happened, for the history.
    public async Task<string> KillMasterAsync(string room, TimeSpan down)
    {
        var shards = Shards ?? throw new InvalidOperationException("no Redis Cluster");
        var slot = SlotOf(room);
        var master = await shards.MasterOfSlotAsync(slot);
        var replica = await shards.ReplicaOfAsync(master);
        var clock = Stopwatch.StartNew();
        await shards.KillAsync(master);
        await shards.UntilServedByAsync(slot, replica);
        var failover = clock.Elapsed;
        if (down - clock.Elapsed is { Ticks: > 0 } rest) await Task.Delay(rest);
        await shards.RestartAsync(master);
        return $"master {master} of slot {slot} killed, replica {replica} serving it after {failover.TotalSeconds:F1} s, {master} back as its replica after {clock.Elapsed.TotalSeconds:F1} s";
    }

    /// Moves <paramref name="room"/>'s slot with its keys to the master that serves no room of the plan (so the rooms
    /// stay on two masters), its keys split between the two for about <paramref name="spread"/>.
    public async Task<string> ReshardAsync(string room, TimeSpan spread)
    {
        var shards = Shards ?? throw new InvalidOperationException("no Redis Cluster");
        var slot = SlotOf(room);
        var source = await shards.MasterOfSlotAsync(slot);
        var serving = await Task.WhenAll(Plan.Rooms.Select(r => shards.MasterOfSlotAsync(SlotOf(r))));
        var target = (await shards.MastersAsync()).First(port => !serving.Contains(port));
        var clock = Stopwatch.StartNew();
        var keys = await shards.MoveSlotAsync(slot, target, spread);
        return $"slot {slot} moved from {source} to {target} with {keys} keys in {clock.Elapsed.TotalSeconds:F1} s";
    }

    /// Heals what a run may have left broken: every node up, every store writable, Redis running (every server of a
    /// cluster, and the cluster ok).
    public async Task HealAsync()
    {
        Redis?.Resume();
        if (Shards is not null) await Shards.HealAsync();
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
        if (Shards is not null) await Shards.DisposeAsync();
        _folder.Dispose();
    }
}
