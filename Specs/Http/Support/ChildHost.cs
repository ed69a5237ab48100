using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Chat.Specs.Http.Support;

/// The host as a real child process (`dotnet Chat.Host.dll`), for what only a process can show:
/// kill -9, SIGTERM, exit codes and the one line it prints when it refuses to start.
public sealed partial class ChildHost : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _stderr = [];

    private ChildHost(Process process) => _process = process;

    public Uri Address { get; private set; } = null!;
    public int Pid => _process.Id;
    public string Stderr { get { lock (_stderr) return string.Join("\n", _stderr); } }

    private readonly List<string> _stdout = [];

    /// Every line it has written to stdout so far (its log, at the levels its settings let through).
    public string Stdout { get { lock (_stdout) return string.Join("\n", _stdout); } }

    /// SIGTERM, then every line it wrote to stdout.
    public async Task<List<string>> TerminateAndReadStdoutAsync()
    {
        await TerminateAsync();
        _process.WaitForExit(); // and for the last redirected lines
        lock (_stdout) return [.. _stdout];
    }

    private static Process Launch(string databasePath, IEnumerable<string> settings, Dictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var (name, value) in environment ?? []) info.Environment[name] = value;
        foreach (var arg in (string[])[Path.Combine(AppContext.BaseDirectory, "Chat.Host.dll"), "--urls", "http://127.0.0.1:0",
                     $"--Store:Path={databasePath}", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information", "--Chat:PostsPerSecond=0", .. settings])
            info.ArgumentList.Add(arg);
        return Process.Start(info)!;
    }

    /// Starts the host and waits until it says where it listens.
    public static Task<ChildHost> StartAsync(string databasePath, params string[] settings) => StartAsync(databasePath, null, settings);

    public static async Task<ChildHost> StartAsync(string databasePath, Dictionary<string, string>? environment, params string[] settings)
    {
        var child = new ChildHost(Launch(databasePath, settings, environment));
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        child._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line) return;
            lock (child._stdout) child._stdout.Add(line);
            if (Listening().Match(line) is { Success: true } m) listening.TrySetResult(new Uri(m.Groups[1].Value));
        };
        child._process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lock (child._stderr) child._stderr.Add(line); };
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        var exited = child._process.WaitForExitAsync();
        var first = await Task.WhenAny(listening.Task, exited).WaitAsync(TimeSpan.FromSeconds(30));
        if (first == exited) throw new InvalidOperationException($"host exited with {child._process.ExitCode}: {child.Stderr}");
        child.Address = await listening.Task;
        return child;
    }

    /// Starts the host expecting it to refuse: returns its exit code and what it printed on stderr.
    public static async Task<(int ExitCode, string Stderr)> FailToStartAsync(string databasePath, params string[] settings)
    {
        using var process = Launch(databasePath, settings);
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode, (await stderr).Trim());
    }

    /// The host refuses <paramref name="settings"/>: exit code 2 and one line on stderr that names <paramref name="name"/>.
    public static async Task AssertStopsNamingAsync(string name, params string[] settings)
    {
        using var folder = new TempFolder("chat-config-");
        var (code, stderr) = await FailToStartAsync(folder.File("chat.db"), settings);
        Assert.Equal(2, code);
        Assert.StartsWith("configuration:", stderr);
        Assert.Contains(name, stderr);
    }

    public HttpClient Client() => new() { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };

    /// kill -9: no shutdown code runs.
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// SIGTERM: the graceful shutdown. Returns the exit code.
    public async Task<int> TerminateAsync()
    {
        if (SysKill(_process.Id, 15) != 0) throw new InvalidOperationException("kill(SIGTERM) failed");
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return _process.ExitCode;
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited) await KillAsync();
        _process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    [GeneratedRegex(@"Now listening on: (http://[0-9.:]+)")]
    private static partial Regex Listening();
}
