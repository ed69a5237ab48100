using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using Chat.Specs.Http.Support;

namespace Chat.Specs.Browser;

/// The real Host as a child process (`dotnet Chat.Host.dll`) on 127.0.0.1 with its own SQLite file,
/// so a spec can kill it and start it again on the same port and the same file.
public sealed class HostProcess : IAsyncDisposable
{
    static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(30);
    // A bound on a hang, not a latency check: a Host just started again answers its first requests cold (JIT, the
    // room restored from SQLite), and beside the other test projects on two cores a first post once took over 5 s.
    static readonly TimeSpan RequestLimit = TimeSpan.FromSeconds(15);

    readonly StringBuilder log = new();
    readonly HttpClient http;
    Process? process;

    HostProcess(int port, string databasePath)
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        DatabasePath = databasePath;
        http = new HttpClient { BaseAddress = BaseAddress, Timeout = RequestLimit };
    }

    string[] settings = [];

    public Uri BaseAddress { get; }
    public string DatabasePath { get; }

    /// With <paramref name="settings"/> after the defaults (e.g. `--Auth:Protected=team-*`), again at every restart.
    public static async Task<HostProcess> StartAsync(params string[] settings)
    {
        var folder = Directory.CreateTempSubdirectory("chat-browser-specs-").FullName;
        var host = new HostProcess(FreePort.Take(), Path.Combine(folder, "chat.db")) { settings = settings };
        await host.StartAgainAsync();
        return host;
    }

    /// Starts the Host (again) on the same port and the same SQLite file; returns once it answers.
    public async Task StartAgainAsync()
    {
        var dll = Metadata("HostDll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"No Host build at {dll}: build Host/Host.csproj first.");
        var start = new ProcessStartInfo("dotnet")
        {
            // The Host finds ../wwwroot as wwwroot/ beside its dll (Host.csproj copies it there).
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // No post rate limit: specs set up history faster than a person types (60 posts in a row).
        string[] args = [dll, "--urls", BaseAddress.ToString().TrimEnd('/'), $"--Store:Path={DatabasePath}", "--Chat:PostsPerSecond=0", .. settings];
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_NOLOGO"] = "1";
        process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await WaitUntilAnsweringAsync(process);
    }

    /// Kills the Host at once (SIGKILL: no graceful shutdown, like a crash) and waits until it is gone.
    public async Task KillAsync()
    {
        if (process is null) return;
        using var gone = new CancellationTokenSource(StartLimit);
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync(gone.Token);
        process.Dispose();
        process = null;
    }

    public async Task<int> PostAsync(string room, string message, string? name = null)
    {
        using var form = new FormUrlEncodedContent(name is null ? [new("message", message)] : [new("message", message), new("name", name)]);
        using var response = await http.PostAsync($"/rooms/{room}/post", form);
        response.EnsureSuccessStatusCode();
        var posted = await response.Content.ReadFromJsonAsync<Posted>();
        return posted!.Index;
    }

    public async Task<int> NextAsync(string room) =>
        (await http.GetFromJsonAsync<RoomStatus>($"/rooms/{room}"))!.Next;

    /// The room's first kept index (`first`): above 0 once retention trimmed it.
    public async Task<int> FirstAsync(string room) =>
        (await http.GetFromJsonAsync<RoomStatus>($"/rooms/{room}"))!.First;

    /// How many clients follow the room now (`here.count`).
    public async Task<int> HereAsync(string room) =>
        (await http.GetFromJsonAsync<RoomStatus>($"/rooms/{room}"))!.Here.Count;

    /// How many polls the room holds now.
    public async Task<int> HeldAsync(string room) =>
        (await http.GetFromJsonAsync<RoomStatus>($"/rooms/{room}"))!.Held;

    public string Log { get { lock (log) return log.ToString(); } }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        http.Dispose();
        try { Directory.Delete(Path.GetDirectoryName(DatabasePath)!, recursive: true); }
        catch (IOException) { }  // a leftover temp folder is not worth failing a spec for
    }

    // Polls GET /rooms/chat until it answers 200; bounded by StartLimit, and stops early if the Host died.
    async Task WaitUntilAnsweringAsync(Process started)
    {
        var deadline = DateTime.UtcNow + StartLimit;
        while (DateTime.UtcNow < deadline)
        {
            if (started.HasExited) throw new InvalidOperationException($"The Host exited with {started.ExitCode}:\n{Log}");
            try
            {
                using var response = await http.GetAsync("/rooms/chat");
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }     // not listening yet
            catch (TaskCanceledException) { }    // listening, not answering yet
            await Task.Delay(100);
        }
        throw new TimeoutException($"The Host did not answer GET /rooms/chat within {StartLimit}:\n{Log}");
    }

    void Append(string? line)
    {
        if (line is null) return;
        lock (log) log.AppendLine(line);
    }

    internal static string Metadata(string key) =>
        typeof(HostProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    sealed record Posted(string Room, int Index);
    sealed record RoomStatus(string Room, int Next, int Held, Here Here, int First = 0);

    sealed record Here(int Count);
}
