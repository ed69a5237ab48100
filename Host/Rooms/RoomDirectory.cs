using System.Collections.Concurrent;
using Chat.Core;
using Chat.Core.Values;
using Chat.Host.Observability;
using Chat.Host.Options;
using Chat.Host.Storage;
using LanguageExt;
using Microsoft.Extensions.Options;

namespace Chat.Host.Rooms;

/// Room name → its loop. One loop (one writer) per room: rooms never wait on each other, and a room's
/// commands are ordered by its own channel alone. A room is loaded from the store the first time it is named;
/// the number of rooms is capped so that naming rooms cannot grow memory without bound.
public sealed class RoomDirectory(IMessageStore store, StoreWriter writer, TimeProvider clock, IOptions<ChatOptions> options,
    ChatMetrics metrics, WaiterQuota quota, ILogger<RoomDirectory> log, ISharedLog? sharedLog = null)
{
    /// The cap on held polls, shared by every room.
    public WaiterQuota Quota { get; } = quota;

    private readonly ConcurrentDictionary<string, Lazy<RoomLoop>> _rooms = new(StringComparer.Ordinal);
    private readonly ChatOptions _options = options.Value;
    private readonly RoomServices _services = new(writer, clock, options.Value.PollTimeout, metrics, log, sharedLog);

    public Either<Rejection, RoomLoop> Find(RoomName name)
    {
        if (_rooms.TryGetValue(name.Value, out var known)) return Loaded(name, known);
        if (_rooms.Count >= _options.MaxRooms) return new Rejection.TooMany("rooms", TimeSpan.FromSeconds(60), ServerWide: true);
        return Loaded(name, _rooms.GetOrAdd(name.Value, _ => new Lazy<RoomLoop>(() => Load(name))));
    }

    private RoomLoop Load(RoomName name)
    {
        var room = new RoomLoop(name, store.Restore(name, _options.RoomLimits), _services);
        // An entry announced between the restore and now was missed: read past the restored count once.
        if (sharedLog is not null) _ = Storage.Redis.Following.CatchUpAsync(room, sharedLog, room.State.Visible, log);
        return room;
    }

    /// The room's loop if this node has it loaded (announcements for other rooms are not for this node).
    public RoomLoop? Loaded(string name) =>
        _rooms.TryGetValue(name, out var room) && room.IsValueCreated ? room.Value : null;

    private Either<Rejection, RoomLoop> Loaded(RoomName name, Lazy<RoomLoop> room)
    {
        try
        {
            return room.Value;
        }
        catch (Exception e)
        {
            Log.RoomRestoreFailed(log, e, name.Value);
            _rooms.TryRemove(new KeyValuePair<string, Lazy<RoomLoop>>(name.Value, room));
            return new Rejection.Unavailable("the room's store", TimeSpan.FromSeconds(1));
        }
    }

    public IEnumerable<RoomLoop> Loaded() => _rooms.Values.Where(r => r.IsValueCreated).Select(r => r.Value);

    /// True once shutdown began: new polls are answered 204 at once instead of being held.
    public bool Stopping { get; private set; }

    /// Shutdown, first step (before the server waits for its requests): answer every held poll 204,
    /// so clients poll again elsewhere and the server's own drain does not wait out the poll timeout.
    public void ExpireHeld()
    {
        Stopping = true;
        var rooms = Loaded().ToList();
        Log.ShuttingDown(log, rooms.Sum(r => r.State.HeldCount));
        foreach (var room in rooms) room.ExpireAll();
    }

    /// Shutdown, last step (after the server stopped): commit what is queued, then let each loop finish.
    public async Task StopAsync(TimeSpan timeout)
    {
        writer.Drain(timeout);
        var rooms = Loaded().ToList();
        foreach (var room in rooms) room.Stop();
        await Task.WhenAll(rooms.Select(r => r.Completion)).WaitAsync(timeout).ConfigureAwait(false);
    }
}
