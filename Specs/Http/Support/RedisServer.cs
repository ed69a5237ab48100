using System.Diagnostics;

namespace Chat.Specs.Http.Support;

/// A real `redis-server` (Debian's package) on a free 127.0.0.1 port with its own folder, append-only file
/// on and fsynced at every write, so a restart keeps every acknowledged entry. Stopped by its pid.
public sealed class RedisServer : IAsyncDisposable
{
    private Process _process = null!;

    private RedisServer(string folder, int port) => (Folder, Port) = (folder, port);

    public string Folder { get; }
    public int Port { get; }
    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(Directory.CreateTempSubdirectory("chat-redis-").FullName, FreePort.Take());
        await server.LaunchAsync();
        return server;
    }

    private async Task LaunchAsync()
    {
        var info = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["--bind", "127.0.0.1", "--port", Port.ToString(), "--dir", Folder, "--save", "",
                     "--appendonly", "yes", "--appendfsync", "always", "--protected-mode", "yes"])
            info.ArgumentList.Add(arg);
        _process = Process.Start(info)!;
        _ = _process.StandardOutput.ReadToEndAsync();
        _ = _process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (await CliAsync("PING") != "PONG")
        {
            if (DateTime.UtcNow > deadline || _process.HasExited) throw new InvalidOperationException("redis-server did not start");
            await Task.Delay(50);
        }
    }

    /// `redis-cli` against this server; its output, trimmed.
    public async Task<string> CliAsync(params string[] args)
    {
        var info = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["-h", "127.0.0.1", "-p", Port.ToString(), .. args]) info.ArgumentList.Add(arg);
        using var cli = Process.Start(info)!;
        var output = await cli.StandardOutput.ReadToEndAsync();
        await cli.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return output.Trim();
    }

    /// Stops the server (SIGKILL: nothing is flushed beyond what `appendfsync always` already wrote) and starts
    /// it again on the same port and folder.
    public async Task RestartAsync(TimeSpan down)
    {
        _process.Kill();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
        await Task.Delay(down);
        await LaunchAsync();
    }

    /// SIGSTOP: the server stops answering (its sockets stay open, its clients time out), until <see cref="Resume"/>.
    public void Pause() => Signal(19);

    /// SIGCONT: it answers again, beginning with what it was sent while stopped.
    public void Resume() => Signal(18);

    private void Signal(int signal)
    {
        if (SysKill(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({signal}) failed");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
