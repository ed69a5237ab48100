using Chat.Core.Room;
using Chat.Host.Auth;
using Chat.Host.Options;
using Chat.Host.Storage;
using Microsoft.Extensions.Options;

namespace Chat.Host.Rooms;

/// Retention: every `Chat:RetentionSweep`, each room a rule names is trimmed in the store, and a loaded room is told
/// its new first index. Every node sweeps every room (with Redis, another node's rooms too): trimming twice is trimming
/// once, and each node's rooms learn where the log starts.
public sealed class Retention(IMessageStore store, RoomDirectory rooms, IOptions<ChatOptions> options, TimeProvider clock, ILogger<Retention> log)
    : BackgroundService
{
    private const int RoomPage = 500;

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        if (options.Value.Retention.Length == 0) return;
        using var timer = new PeriodicTimer(options.Value.RetentionSweep, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try
                {
                    await SweepAsync();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Observability.Log.RetentionFailed(log, e);
                }
            }
        }
        catch (OperationCanceledException) { } // stopping
    }

    public async Task SweepAsync()
    {
        var rules = options.Value.Retention;
        var after = "";
        while (true)
        {
            var page = await store.RoomsAsync(after, RoomPage);
            foreach (var (room, _) in page)
                if (rules.FirstOrDefault(r => RoomPattern.Matches(r.Rooms!, room)) is { } rule)
                {
                    var first = await store.TrimAsync(room, new Keep(rule.KeepLast, rule.KeepFor), clock.GetUtcNow());
                    rooms.Loaded(room.Value)?.Send(new Command.Trim(first));
                }
            if (page.Count < RoomPage) break;
            after = page.Last().Room.Value;
        }
    }
}
