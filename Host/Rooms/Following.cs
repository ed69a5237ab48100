using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Storage;

namespace Chat.Host.Rooms;

/// How a node's rooms follow the shared log: every announced entry goes to its room (if this node has it
/// loaded) as a Logged command; a room that finds a gap, a room just loaded, and every room after the link
/// comes back read the log from where they are. Reads and announcements may overlap; the core drops repeats.
public static class Following
{
    public const int ReadBatch = 1000;

    public static void Start(ISharedLog log, RoomDirectory rooms, ILogger logger, TimeSpan catchUpEvery, CancellationToken stopping)
    {
        _ = SweepAsync(log, rooms, catchUpEvery, stopping);
        log.Appended += (room, at, message) =>
        {
            if (rooms.Loaded(room) is { } loop) loop.Send(new Command.Logged(at, message));
        };
        log.Reconnected += () =>
        {
            var loaded = rooms.Loaded().ToList();
            Observability.Log.SharedLogBack(logger, loaded.Count);
            foreach (var room in loaded) _ = CatchUpAsync(room, log, room.State.Visible, logger);
        };
    }

    /// Every <paramref name="every"/>, each loaded room that holds polls reads the log past its end (see
    /// <see cref="Options.RedisOptions.CatchUpEvery"/>); the reads go out together, pipelined on the one link. Not
    /// while the link is down: the catch-up when it is back covers that.
    private static async Task SweepAsync(ISharedLog log, RoomDirectory rooms, TimeSpan every, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
                if (log.IsConnected)
                    await Task.WhenAll(rooms.Loaded().Where(room => room.State.HeldCount > 0).Select(rooms.CatchUpAsync)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) { }
    }

    /// Reads the log from <paramref name="from"/> to its end and feeds every entry to the room, in order.
    public static async Task CatchUpAsync(RoomLoop room, ISharedLog log, MessageIndex from, ILogger logger)
    {
        try
        {
            while (true)
            {
                var entries = await log.ReadAsync(room.Name, from, ReadBatch).ConfigureAwait(false);
                // Retention trimmed the log past this node's end: the room starts again at the first kept index.
                if (entries.IsEmpty && await log.FirstAsync(room.Name).ConfigureAwait(false) is var first && first > from)
                {
                    room.Send(new Command.Trim(first));
                    from = first;
                    continue;
                }
                foreach (var message in entries)
                {
                    room.Send(new Command.Logged(from, message));
                    from = from.Next;
                }
                if (entries.Count < ReadBatch) return;
            }
        }
        catch (Exception error)
        {
            // The link is down: the Reconnected catch-up will read this range again.
            Observability.Log.SharedLogFailed(logger, error, room.Name.Value);
        }
    }
}
