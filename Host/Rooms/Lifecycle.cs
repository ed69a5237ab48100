namespace Chat.Host.Rooms;

/// Graceful shutdown in the order it must happen. Registered before the web server, so the host stops it
/// after the server: ApplicationStopping answers held polls (the server then drains quickly), and StopAsync
/// commits queued posts and stops the room loops once no request is left.
public sealed class Lifecycle(RoomDirectory rooms, IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopping.Register(rooms.ExpireHeld);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => rooms.StopAsync(TimeSpan.FromSeconds(10));
}
