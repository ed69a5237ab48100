using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Chat.Specs.Http.Support;

/// A real Redis Cluster on 127.0.0.1: six `redis-server --cluster-enabled yes` processes on free ports, each with its
/// own folder and append-only file (fsynced at every write), made into three masters with a replica each by
/// `redis-cli --cluster create`. Ready once every node says `cluster_state:ok` and every replica has synced with its
/// master (a post waiting for a replica, `Redis:Replicas`, needs one). Stopped by pid. `rdbcompression no`:
/// a rewritten append-only file starts with an RDB image, whose strings would otherwise be LZF-compressed and could
/// hide a text from a byte search.
public sealed class RedisCluster : IAsyncDisposable
{
    private const int Nodes = 6;
    private readonly List<(int Port, string Folder, Process Process)> _nodes = [];

    private int IndexOf(int port) => _nodes.FindIndex(n => n.Port == port) is var i and >= 0 ? i : throw new ArgumentException($"no node on {port}");

    private RedisCluster() { }

    public IReadOnlyList<int> Ports => [.. _nodes.Select(n => n.Port)];

    /// Each node's folder (its append-only files).
    public IReadOnlyList<string> Folders => [.. _nodes.Select(n => n.Folder)];

    /// Every node, comma-separated: StackExchange.Redis discovers the cluster from any of them.
    public string Configuration => string.Join(",", _nodes.Select(n => $"127.0.0.1:{n.Port}"));

    public static async Task<RedisCluster> StartAsync()
    {
        var cluster = new RedisCluster();
        try
        {
            for (var i = 0; i < Nodes; i++) cluster.Launch();
            for (var i = 0; i < Nodes; i++) cluster._nodes[i] = cluster._nodes[i] with { Process = Start(cluster._nodes[i].Port, cluster._nodes[i].Folder) };
            foreach (var (port, _, process) in cluster._nodes) await UntilAsync(port, process, ["PING"], "PONG");
            var (code, output) = await RunAsync("redis-cli", ["--cluster", "create", .. cluster._nodes.Select(n => $"127.0.0.1:{n.Port}"),
                "--cluster-replicas", "1", "--cluster-yes"], TimeSpan.FromSeconds(60));
            if (code != 0) throw new InvalidOperationException($"redis-cli --cluster create failed ({code}): {output}");
            foreach (var (port, _, process) in cluster._nodes) await UntilAsync(port, process, ["CLUSTER", "INFO"], "cluster_state:ok");
            foreach (var (port, _, process) in cluster._nodes)
                await UntilAsync(port, process, ["INFO", "replication"], "connected_slaves:1", "master_link_status:up");
            // ...and until every node lists each slot's replica too (`CLUSTER SLOTS`: every node's address once).
            foreach (var (port, _, process) in cluster._nodes)
                while ((await CliAsync(port, "CLUSTER", "SLOTS")).Split('\n').Count(line => line == "127.0.0.1") < Nodes)
                    await UntilAsync(port, process, ["PING"], "PONG"); // a pause of one round trip, and a check it still runs
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private void Launch() => _nodes.Add((FreePort(), Directory.CreateTempSubdirectory("chat-redis-cluster-").FullName, null!));

    private static Process Start(int port, string folder)
    {
        var info = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["--bind", "127.0.0.1", "--port", port.ToString(), "--dir", folder, "--save", "",
                     "--appendonly", "yes", "--appendfsync", "always", "--protected-mode", "yes", "--rdbcompression", "no",
                     "--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(folder, "nodes.conf"), "--cluster-node-timeout", "1000"])
            info.ArgumentList.Add(arg);
        var process = Process.Start(info)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        return process;
    }

    /// kill -9 of the node on <paramref name="port"/>: nothing runs after it; its replica takes over once the others
    /// have not heard from it for `cluster-node-timeout` (1 s).
    public async Task KillAsync(int port)
    {
        var process = _nodes[IndexOf(port)].Process;
        process.Kill();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// Starts the node killed on <paramref name="port"/> again, on its folder and `nodes.conf`: a former master
    /// rejoins as a replica of the one promoted meanwhile. Completes once it has synced with its master.
    public async Task RestartAsync(int port)
    {
        var i = IndexOf(port);
        _nodes[i].Process.Dispose();
        var process = Start(port, _nodes[i].Folder);
        _nodes[i] = (port, _nodes[i].Folder, process);
        await UntilAsync(port, process, ["INFO", "replication"], "master_link_status:up");
    }

    /// SIGSTOP of the node on <paramref name="port"/> (its sockets stay open, it answers nothing), until <see cref="Resume"/>.
    public void Pause(int port) => Signal(_nodes[IndexOf(port)].Process, 19);

    /// SIGCONT: it answers again, beginning with what it was sent while stopped.
    public void Resume(int port) => Signal(_nodes[IndexOf(port)].Process, 18);

    private static void Signal(Process process, int signal)
    {
        if (SysKill(process.Id, signal) != 0) throw new InvalidOperationException($"kill({signal}) failed");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    private static int FreePort()
    {
        // The cluster bus listens on port + 10000: both must be free (and the bus port a valid port).
        while (true)
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            if (port + 10000 > 65535) continue;
            try
            {
                using var bus = new TcpListener(IPAddress.Loopback, port + 10000);
                bus.Start();
                return port;
            }
            catch (SocketException) { }
        }
    }

    /// Until the node's answer to <paramref name="command"/> holds one of <paramref name="expected"/>.
    private static async Task UntilAsync(int port, Process process, string[] command, params string[] expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await CliAsync(port, command) is var answer && !expected.Any(e => answer.Contains(e, StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline || process.HasExited) throw new InvalidOperationException($"redis on {port}: none of '{string.Join("', '", expected)}'");
            await Task.Delay(100);
        }
    }

    /// `redis-cli -c` against the node on <paramref name="port"/> (following redirections); its output, trimmed.
    public static async Task<string> CliAsync(int port, params string[] args) =>
        (await RunAsync("redis-cli", ["-c", "-h", "127.0.0.1", "-p", port.ToString(), .. args], TimeSpan.FromSeconds(10))).Output;

    /// `redis-cli -c` against the first node.
    public Task<string> CliAsync(params string[] args) => CliAsync(_nodes[0].Port, args);

    /// The port of the master serving <paramref name="key"/>'s slot.
    public async Task<int> MasterOfAsync(string key) => (await ShardOfAsync(key))[0];

    /// The ports serving <paramref name="key"/>'s slot, as the node on <paramref name="asked"/> (the first one by
    /// default) sees them: its master first, then its replicas (from `CLUSTER SLOTS`).
    public async Task<int[]> ShardOfAsync(string key, int? asked = null)
    {
        var port = asked ?? _nodes.First(n => !n.Process.HasExited).Port;
        var slot = int.Parse(await CliAsync(port, "CLUSTER", "KEYSLOT", key));
        var lines = (await CliAsync(port, "CLUSTER", "SLOTS")).Split('\n');
        // redis-cli prints each range as: start, end, then ip, port and id of its master and of each replica.
        for (var i = 0; i + 1 < lines.Length; i++)
            if (int.TryParse(lines[i], out var start) && int.TryParse(lines[i + 1], out var end) && lines[i + 2] == "127.0.0.1" && start <= slot && slot <= end)
            {
                var ports = new List<int>();
                // (Redis 7 adds an empty map of metadata after each node's id: a blank line, or none.)
                for (var j = i + 2; j + 1 < lines.Length && lines[j] is "127.0.0.1" or ""; j++)
                    if (lines[j] == "127.0.0.1") { ports.Add(int.Parse(lines[j + 1])); j += 2; }
                return [.. ports];
            }
        throw new InvalidOperationException($"no master for slot {slot}: {string.Join(" ", lines)}");
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string[] args, TimeSpan bound)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(bound);
        return (process.ExitCode, ((await output) + (await error)).Trim());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, folder, process) in _nodes)
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            process.Dispose();
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }
}
