using Chat.Host;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Specs.Http;

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

    public static async Task<ChatServer> StartAsync(params string[] settings)
    {
        var folder = Directory.CreateTempSubdirectory("chat-spec-").FullName;
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            $"--Store:Path={Path.Combine(folder, "chat.db")}",
            "--Logging:LogLevel:Default=Warning",
            .. settings,
        ];
        var app = ChatApp.Build(args);
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new ChatServer(app, folder, new Uri(address));
    }

    public HttpClient Client(TimeSpan? timeout = null) =>
        new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) }) { BaseAddress = Address, Timeout = timeout ?? TimeSpan.FromSeconds(30) };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await _app.DisposeAsync();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
