using System.Diagnostics;

namespace Chat.Specs.Http.Support;

/// A real Redis Cluster on 127.0.0.1: six `redis-server --cluster-enabled yes` processes on free ports, each with its
/// own folder and append-only file (fsynced at every write), made into three masters with a replica each by
/// `redis-cli --cluster create`. Ready once every node says `cluster_state:ok`. Stopped by pid. `rdbcompression no`:
/// a rewritten append-only file starts with an RDB image, whose strings would otherwise be LZF-compressed and could
/// hide a text from a byte search. The history's faults are here too: a node killed and restarted on its own port,
/// folder and nodes.conf (<see cref="KillAsync"/>, <see cref="RestartAsync"/>), and a slot moved with its keys to
/// another master (<see cref="MoveSlotAsync"/>).
public sealed class RedisCluster : IAsyncDisposable
{
    private const int Nodes = 6;
    private readonly List<Member> _nodes = [];

    /// One redis-server: its port and folder are its own for good; its process changes when it is restarted.
    private sealed class Member(int port, string folder, Process process)
    {
        public int Port { get; } = port;
        public string Folder { get; } = folder;
        public Process Process = process;
        public bool Up => !Process.HasExited;
    }

    private RedisCluster() { }

    public IReadOnlyList<int> Ports => [.. _nodes.Select(n => n.Port)];

    /// The ports of the nodes running now (not killed, or restarted since).
    public IReadOnlyList<int> LivePorts => [.. _nodes.Where(n => n.Up).Select(n => n.Port)];

    /// Each node's folder (its append-only files).
    public IReadOnlyList<string> Folders => [.. _nodes.Select(n => n.Folder)];

    /// Every node, comma-separated: StackExchange.Redis discovers the cluster from any of them.
    public string Configuration => string.Join(",", _nodes.Select(n => $"127.0.0.1:{n.Port}"));

    public static async Task<RedisCluster> StartAsync()
    {
        var cluster = new RedisCluster();
        try
        {
            for (var i = 0; i < Nodes; i++)
            {
                var (port, folder) = (FreePort.Take(busOffset: 10000), Directory.CreateTempSubdirectory("chat-redis-cluster-").FullName);
                cluster._nodes.Add(new Member(port, folder, Launch(port, folder)));
            }
            foreach (var node in cluster._nodes) await UntilAsync(node, ["PING"], "PONG");
            var (code, output) = await RunAsync("redis-cli", ["--cluster", "create", .. cluster._nodes.Select(n => $"127.0.0.1:{n.Port}"),
                "--cluster-replicas", "1", "--cluster-yes"], TimeSpan.FromSeconds(60));
            if (code != 0) throw new InvalidOperationException($"redis-cli --cluster create failed ({code}): {output}");
            foreach (var node in cluster._nodes) await UntilAsync(node, ["CLUSTER", "INFO"], "cluster_state:ok");
            // A replica that never synced would not be failed over to (its data is "too old"): wait for every link.
            foreach (var node in cluster._nodes) await UntilAsync(node, ["INFO", "replication"], "role:master", "master_link_status:up");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private static Process Launch(int port, string folder)
    {
        var info = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["--bind", "127.0.0.1", "--port", port.ToString(), "--dir", folder, "--save", "",
                     "--appendonly", "yes", "--appendfsync", "always", "--protected-mode", "yes", "--rdbcompression", "no",
                     "--repl-diskless-sync-delay", "0", // a replica's first sync at once, not 5 s later
                     "--cluster-require-full-coverage", "no", // as docs/operations.md advises: a shard failing over stops only its own slots
                     "--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(folder, "nodes.conf"), "--cluster-node-timeout", "1000"])
            info.ArgumentList.Add(arg);
        var process = Process.Start(info)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        return process;
    }

    /// Waits (bounded) until the node's answer to <paramref name="command"/> holds one of <paramref name="expected"/>.
    private static async Task UntilAsync(Member node, string[] command, params string[] expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await CliAsync(node.Port, command) is var answer && !expected.Any(e => answer.Contains(e, StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline || !node.Up) throw new InvalidOperationException($"redis on {node.Port}: no '{string.Join("' or '", expected)}' in {answer}");
            await Task.Delay(100);
        }
    }

    /// `redis-cli -c` against the node on <paramref name="port"/> (following redirections); its output, trimmed.
    public static async Task<string> CliAsync(int port, params string[] args) =>
        (await RunAsync("redis-cli", ["-c", "-h", "127.0.0.1", "-p", port.ToString(), .. args], TimeSpan.FromSeconds(10))).Output;

    /// `redis-cli -c` against the first node running.
    public Task<string> CliAsync(params string[] args) => CliAsync(LivePorts[0], args);

    /// The port of the master serving <paramref name="key"/>'s slot (from `CLUSTER SLOTS`, whose first node is the master).
    public async Task<int> MasterOfAsync(string key)
    {
        var slot = int.Parse(await CliAsync("CLUSTER", "KEYSLOT", key));
        var lines = (await CliAsync("CLUSTER", "SLOTS")).Split('\n');
        // redis-cli prints each range as: start, end, master ip, master port, master id, then its replicas.
        for (var i = 0; i + 3 < lines.Length; i++)
            if (int.TryParse(lines[i], out var start) && int.TryParse(lines[i + 1], out var end) && lines[i + 2] == "127.0.0.1"
                && start <= slot && slot <= end && int.TryParse(lines[i + 3], out var port))
                return port;
        throw new InvalidOperationException($"no master for slot {slot}: {string.Join(" ", lines)}");
    }

    /// A key's slot, as Redis computes it: CRC16 (XMODEM) of its hash tag (what is between the first `{` and the
    /// next `}`, when that is not empty) or of the whole key, modulo 16384. Known without asking a node.
    public static int SlotOf(string key)
    {
        var open = key.IndexOf('{', StringComparison.Ordinal);
        var close = open < 0 ? -1 : key.IndexOf('}', open + 1);
        var hashed = close > open + 1 ? key[(open + 1)..close] : key;
        var crc = 0;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(hashed))
        {
            crc ^= b << 8;
            for (var bit = 0; bit < 8; bit++) crc = (crc & 0x8000) != 0 ? ((crc << 1) ^ 0x1021) & 0xFFFF : (crc << 1) & 0xFFFF;
        }
        return crc % 16384;
    }

    /// One line of `CLUSTER NODES`: a node as another node (or itself) sees it.
    public sealed record View(string Id, int Port, string[] Flags, string? MasterId, IReadOnlyList<(int From, int To)> Slots)
    {
        public bool IsMaster => Flags.Contains("master");

        /// Failing or failed, as the viewer believes (`fail?`, `fail`).
        public bool Failing => Flags.Any(f => f.StartsWith("fail", StringComparison.Ordinal));

        public bool Serves(int slot) => Slots.Any(r => r.From <= slot && slot <= r.To);
    }

    /// The cluster as the node on <paramref name="port"/> sees it (`CLUSTER NODES`; an open slot's `[s->-id]` or
    /// `[s-<-id]` is not a slot served, and is left out).
    public static async Task<IReadOnlyList<View>> ViewAsync(int port) =>
        [.. (await CliAsync(port, "CLUSTER", "NODES")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            // <id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot>...
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var address = f[1].Split('@')[0];
            var slots = f.Skip(8).Where(s => !s.StartsWith('[')).Select(s => s.Split('-') is [var a, var b] ? (int.Parse(a), int.Parse(b)) : (int.Parse(s), int.Parse(s)));
            return new View(f[0], int.Parse(address[(address.LastIndexOf(':') + 1)..]), f[2].Split(','), f[3] == "-" ? null : f[3], [.. slots]);
        })];

    /// The port of the master serving <paramref name="slot"/>, as a running node sees it.
    public async Task<int> MasterOfSlotAsync(int slot) =>
        (await ViewAsync(LivePorts[0])).FirstOrDefault(n => n.IsMaster && !n.Failing && n.Serves(slot))?.Port
        ?? throw new InvalidOperationException($"no master serves slot {slot}");

    /// The port of a replica of the master on <paramref name="master"/>.
    public async Task<int> ReplicaOfAsync(int master)
    {
        var view = await ViewAsync(master);
        var id = view.Single(n => n.Port == master).Id;
        return view.FirstOrDefault(n => n.MasterId == id && !n.Failing)?.Port ?? throw new InvalidOperationException($"the master on {master} has no replica");
    }

    /// The ports of every master serving slots now.
    public async Task<IReadOnlyList<int>> MastersAsync() =>
        [.. (await ViewAsync(LivePorts[0])).Where(n => n.IsMaster && !n.Failing && n.Slots.Count > 0).Select(n => n.Port)];

    /// Waits (bounded) until every running node says `cluster_state:ok` and that the node on <paramref name="port"/>
    /// serves <paramref name="slot"/>: after a failover, the replica promoted; after a move, the new owner.
    public async Task UntilServedByAsync(int slot, int port, TimeSpan? bound = null)
    {
        var deadline = DateTime.UtcNow + (bound ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var disagree = new List<string>();
            foreach (var live in LivePorts)
            {
                var state = (await CliAsync(live, "CLUSTER", "INFO")).Split('\n').FirstOrDefault(l => l.StartsWith("cluster_state:", StringComparison.Ordinal))?.Trim();
                var view = await ViewAsync(live);
                if (state != "cluster_state:ok" || !view.Any(n => n.Port == port && n.IsMaster && !n.Failing && n.Serves(slot)))
                    disagree.Add($"{live}: {state}, slot {slot} on {string.Join(" ", view.Where(n => n.Serves(slot)).Select(n => $"{n.Port} ({string.Join(",", n.Flags)})"))}");
            }
            if (disagree.Count == 0) return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"slot {slot} is not served by {port} everywhere within {bound ?? TimeSpan.FromSeconds(30)}: {string.Join("; ", disagree)}");
            await Task.Delay(100);
        }
    }

    private Member NodeOn(int port) => _nodes.Single(n => n.Port == port);

    /// kill -9 of the node on <paramref name="port"/>: nothing is flushed beyond what `appendfsync always` wrote, and
    /// what it had not yet sent to its replicas is lost with it. Its port, folder and nodes.conf stay for a restart.
    public async Task KillAsync(int port)
    {
        var node = NodeOn(port);
        node.Process.Kill();
        await node.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// SIGSTOP of the node on <paramref name="port"/> (its sockets stay open, it answers nothing), until <see cref="Resume"/>.
    public void Pause(int port) => Signal(NodeOn(port).Process, 19);

    /// SIGCONT: it answers again, beginning with what it was sent while stopped.
    public void Resume(int port) => Signal(NodeOn(port).Process, 18);

    private static void Signal(Process process, int signal)
    {
        if (SysKill(process.Id, signal) != 0) throw new InvalidOperationException($"kill({signal}) failed");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    /// Starts the node on <paramref name="port"/> again, on its folder (append-only file) and nodes.conf, and waits
    /// until it has rejoined as a replica: `master_link_status:up`, and `cluster_state:ok`. A master killed long
    /// enough to be failed over learns from the others that its slots are its replica's, and follows that one.
    public async Task RestartAsync(int port)
    {
        var node = NodeOn(port);
        if (node.Up) throw new InvalidOperationException($"redis on {port} is running");
        var killed = node.Process;
        node.Process = Launch(port, node.Folder);
        killed.Dispose();
        await UntilAsync(node, ["PING"], "PONG");
        await UntilAsync(node, ["INFO", "replication"], "master_link_status:up");
        await UntilAsync(node, ["CLUSTER", "INFO"], "cluster_state:ok");
    }

    /// Moves <paramref name="slot"/> with its keys to the master on <paramref name="target"/>, as `redis-cli --cluster
    /// reshard` does one slot: the target IMPORTING it, the source MIGRATING it, its keys MIGRATEd in about ten
    /// batches of ten keys or more (spread over <paramref name="spread"/>, so the slot stays split between the two that
    /// long, however many keys it holds), then every master told the slot is the target's. Meanwhile a command on the
    /// slot's keys is served where they all are, redirected (ASK) where none is, and refused (TRYAGAIN) when only some
    /// of its keys are here: a missing key counts, so a script naming a key not yet created is refused throughout.
    /// Answers how many keys moved.
    public async Task<int> MoveSlotAsync(int slot, int target, TimeSpan spread = default)
    {
        var view = await ViewAsync(target);
        var source = view.Single(n => n.IsMaster && !n.Failing && n.Serves(slot));
        var to = view.Single(n => n.Port == target);
        if (source.Port == target) return 0;
        string S(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await ExpectOkAsync(target, "CLUSTER", "SETSLOT", S(slot), "IMPORTING", source.Id);
        await ExpectOkAsync(source.Port, "CLUSTER", "SETSLOT", S(slot), "MIGRATING", to.Id);
        var count = int.Parse(await CliAsync(source.Port, "CLUSTER", "COUNTKEYSINSLOT", S(slot)));
        var batch = Math.Max(10, (count + 9) / 10);
        var batches = Math.Max(1, (count + batch - 1) / batch);
        var moved = 0;
        while ((await CliAsync(source.Port, "CLUSTER", "GETKEYSINSLOT", S(slot), S(batch))).Split('\n', StringSplitOptions.RemoveEmptyEntries) is [_, ..] keys)
        {
            // NOKEY: each key expired between the listing and the MIGRATE.
            var answer = await CliAsync(source.Port, ["MIGRATE", "127.0.0.1", S(target), "", "0", "5000", "KEYS", .. keys]);
            if (answer is not ("OK" or "NOKEY")) throw new InvalidOperationException($"MIGRATE of slot {slot} from {source.Port} to {target}: {answer}");
            moved += keys.Length;
            if (spread > TimeSpan.Zero) await Task.Delay(spread / batches);
        }
        // The target first (it then serves the slot), then the source (it stops redirecting), then the other masters.
        await ExpectOkAsync(target, "CLUSTER", "SETSLOT", S(slot), "NODE", to.Id);
        await ExpectOkAsync(source.Port, "CLUSTER", "SETSLOT", S(slot), "NODE", to.Id);
        foreach (var other in view.Where(n => n.IsMaster && !n.Failing && n.Port != target && n.Port != source.Port))
            await ExpectOkAsync(other.Port, "CLUSTER", "SETSLOT", S(slot), "NODE", to.Id);
        await UntilServedByAsync(slot, target);
        return moved;
    }

    private static async Task ExpectOkAsync(int port, params string[] args)
    {
        var answer = await CliAsync(port, args);
        if (answer != "OK") throw new InvalidOperationException($"{string.Join(" ", args)} on {port}: {answer}");
    }

    /// Every node killed is started again, and every node says `cluster_state:ok`.
    public async Task HealAsync()
    {
        foreach (var node in _nodes.Where(n => !n.Up).ToList()) await RestartAsync(node.Port);
        foreach (var node in _nodes) await UntilAsync(node, ["CLUSTER", "INFO"], "cluster_state:ok");
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string[] args, TimeSpan bound)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(bound);
        }
        catch (TimeoutException)
        {
            process.Kill(); // a redis-cli that hangs is not left behind
            throw;
        }
        return (process.ExitCode, ((await output) + (await error)).Trim());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            if (node.Up)
            {
                node.Process.Kill();
                await node.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            node.Process.Dispose();
            try { Directory.Delete(node.Folder, recursive: true); } catch (IOException) { }
        }
    }
}
