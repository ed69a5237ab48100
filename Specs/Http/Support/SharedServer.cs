namespace Chat.Specs.Http.Support;

/// One server for every spec of a class (each spec uses rooms of its own), started with the class's settings.
public abstract class SharedServer(params string[] settings) : IAsyncLifetime
{
    protected ChatServer Server { get; private set; } = null!;
    protected HttpClient Client { get; private set; } = null!;

    /// A room no other spec uses.
    public static string NewRoom(string prefix = "r") => prefix + Guid.NewGuid().ToString("N")[..12];

    public async Task InitializeAsync()
    {
        Server = await ChatServer.StartAsync(settings);
        Client = Server.Client();
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
