using Chat.Host;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Specs.Http.Support;

/// The real host on real Kestrel, listening on a free 127.0.0.1 port, with its own SQLite file in a temp
/// folder (or the memory store). Stopped and deleted on dispose.
public sealed class ChatServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ChatServer(WebApplication app, string folder, Uri address) => (_app, Folder, Address) = (app, folder, address);

    public string Folder { get; }
    public Uri Address { get; }
    public string DatabasePath => Path.Combine(Folder, "chat.db");
    public IServiceProvider Services => _app.Services;

    public static Task<ChatServer> StartAsync(params string[] settings) =>
        StartInAsync(Directory.CreateTempSubdirectory("chat-spec-").FullName, settings);

    /// With <paramref name="clock"/> in place of the system's (the time a message is stamped with).
    public static Task<ChatServer> StartAsync(TimeProvider clock, params string[] settings) =>
        StartInAsync(Directory.CreateTempSubdirectory("chat-spec-").FullName, settings, clock);

    /// Stops this server and starts a new one on the same SQLite file (a clean restart).
    public async Task<ChatServer> RestartAsync(params string[] settings)
    {
        await StopAsync();
        return await StartInAsync(Folder, settings);
    }

    private static async Task<ChatServer> StartInAsync(string folder, string[] settings, TimeProvider? clock = null)
    {
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            $"--Store:Path={Path.Combine(folder, "chat.db")}",
            "--Logging:LogLevel:Default=Warning",
            "--Chat:PostsPerSecond=0", // specs post fast from one address; the rate limit has its own spec
            .. settings,
        ];
        var app = ChatApp.Build(args, builder => { if (clock is not null) builder.Services.AddSingleton(clock); });
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new ChatServer(app, folder, new Uri(address));
    }

    public HttpClient Client(TimeSpan? timeout = null) =>
        new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) }) { BaseAddress = Address, Timeout = timeout ?? TimeSpan.FromSeconds(30) };

    /// A client whose connections come from another loopback address: to the server, another client address.
    public HttpClient ClientFrom(string sourceAddress) => LoopbackClient.From(sourceAddress, Address);

    private bool _stopped;

    private async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await _app.DisposeAsync();
    }

    /// Stops the server; the folder goes with the last server that used it (a restarted one keeps it).
    public async ValueTask DisposeAsync()
    {
        var owned = !_stopped;
        await StopAsync();
        if (owned) try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
