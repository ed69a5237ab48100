using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Chat.Specs.Http.Support;

/// A real Redis Cluster on 127.0.0.1: six `redis-server --cluster-enabled yes` processes on free ports, each with its
/// own folder and append-only file (fsynced at every write), made into three masters with a replica each by
/// `redis-cli --cluster create`. Ready once every node says `cluster_state:ok`. Stopped by pid. `rdbcompression no`:
/// a rewritten append-only file starts with an RDB image, whose strings would otherwise be LZF-compressed and could
/// hide a text from a byte search.
public sealed class RedisCluster : IAsyncDisposable
{
    private const int Nodes = 6;
    private readonly List<(int Port, string Folder, Process Process)> _nodes = [];

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
            foreach (var (port, _, process) in cluster._nodes) await UntilAsync(port, process, ["PING"], "PONG");
            var (code, output) = await RunAsync("redis-cli", ["--cluster", "create", .. cluster._nodes.Select(n => $"127.0.0.1:{n.Port}"),
                "--cluster-replicas", "1", "--cluster-yes"], TimeSpan.FromSeconds(60));
            if (code != 0) throw new InvalidOperationException($"redis-cli --cluster create failed ({code}): {output}");
            foreach (var (port, _, process) in cluster._nodes) await UntilAsync(port, process, ["CLUSTER", "INFO"], "cluster_state:ok");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private void Launch()
    {
        var port = FreePort();
        var folder = Directory.CreateTempSubdirectory("chat-redis-cluster-").FullName;
        var info = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["--bind", "127.0.0.1", "--port", port.ToString(), "--dir", folder, "--save", "",
                     "--appendonly", "yes", "--appendfsync", "always", "--protected-mode", "yes", "--rdbcompression", "no",
                     "--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(folder, "nodes.conf"), "--cluster-node-timeout", "1000"])
            info.ArgumentList.Add(arg);
        var process = Process.Start(info)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        _nodes.Add((port, folder, process));
    }

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

    private static async Task UntilAsync(int port, Process process, string[] command, string expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!(await CliAsync(port, command)).Contains(expected, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline || process.HasExited) throw new InvalidOperationException($"redis on {port}: no '{expected}'");
            await Task.Delay(100);
        }
    }

    /// `redis-cli -c` against the node on <paramref name="port"/> (following redirections); its output, trimmed.
    public static async Task<string> CliAsync(int port, params string[] args) =>
        (await RunAsync("redis-cli", ["-c", "-h", "127.0.0.1", "-p", port.ToString(), .. args], TimeSpan.FromSeconds(10))).Output;

    /// `redis-cli -c` against the first node.
    public Task<string> CliAsync(params string[] args) => CliAsync(_nodes[0].Port, args);

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
