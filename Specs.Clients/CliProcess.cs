using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace Chat.Specs.Clients;

/// The command-line tool as a real process (`dotnet Chat.Cli.dll …` from this project's output), its stdout read
/// line by line as it comes. Stopped by its pid: SIGINT, as Ctrl+C sends it, or SIGKILL at dispose.
public sealed class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _stderr = [];

    private CliProcess(IEnumerable<string> args)
    {
        // Through env --default-signal=INT, which then execs dotnet in its place (same pid): a test run started in
        // the background by a shell without job control inherits SIGINT ignored, and the tool, as any Unix tool,
        // keeps it ignored, so Ctrl+C would never reach it.
        var info = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args.Prepend(Path.Combine(AppContext.BaseDirectory, "Chat.Cli.dll")).Prepend("dotnet").Prepend("--default-signal=INT"))
            info.ArgumentList.Add(arg);
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => { if (e.Data is { } line) _lines.Writer.TryWrite(line); else _lines.Writer.TryComplete(); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lock (_stderr) _stderr.Add(line); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Stderr { get { lock (_stderr) return string.Join("\n", _stderr); } }

    public static CliProcess Start(params string[] args) => new(args);

    /// Runs the tool to its end: its exit code and what it printed.
    public static async Task<(int ExitCode, List<string> Stdout, string Stderr)> RunAsync(params string[] args)
    {
        await using var cli = Start(args);
        var exit = await cli.ExitAsync();
        var stdout = new List<string>();
        await foreach (var line in cli._lines.Reader.ReadAllAsync()) stdout.Add(line);
        return (exit, stdout, cli.Stderr);
    }

    /// The next line it prints, within the bound.
    public async Task<string> NextLineAsync(TimeSpan bound) =>
        await _lines.Reader.ReadAsync().AsTask().WaitAsync(bound);

    /// SIGINT (Ctrl+C), then its exit code.
    public async Task<int> InterruptAsync()
    {
        if (SysKill(_process.Id, 2) != 0) throw new InvalidOperationException("kill(SIGINT) failed");
        return await ExitAsync();
    }

    private async Task<int> ExitAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        _process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
}
