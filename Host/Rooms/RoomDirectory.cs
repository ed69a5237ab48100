using System.Collections.Concurrent;
using Chat.Core;
using Chat.Core.Room;
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

    /// One restore per room, however many requests name it at once; every request awaits the same task, so a
    /// cold room under a thousand concurrent polls holds no thread while the store answers.
    private readonly ConcurrentDictionary<string, Lazy<Task<RoomLoop>>> _rooms = new(StringComparer.Ordinal);
    private readonly ChatOptions _options = options.Value;
    private long _lastSweep = long.MinValue / 2;
    private readonly RoomServices _services = new(writer, clock, options.Value.PollTimeout, metrics, log, sharedLog, options.Value.HereGrace, options.Value.NamesFor);

    /// The room a request names, with what else it asked; or why not. Completes at once for a loaded room.
    public async ValueTask<Either<Rejection, (RoomLoop Room, T Asked)>> FindAsync<T>(Either<Rejection, (RoomName Name, T Asked)> asked)
    {
        // No closure and no boxing (Either's own casts, not `Case`): every request runs this.
        if (asked.IsLeft) return (Rejection)asked;
        var (name, rest) = ((RoomName, T))asked;
        var found = await FindAsync(name).ConfigureAwait(false);
        return found.IsRight ? ((RoomLoop)found, rest) : (Rejection)found;
    }

    public ValueTask<Either<Rejection, RoomLoop>> FindAsync(RoomName name)
    {
        if (!_rooms.TryGetValue(name.Value, out var room))
        {
            if (_rooms.Count >= _options.MaxRooms)
            {
                AskIdleRoomsToUnload();
                return new(new Rejection.TooMany("rooms", TimeSpan.FromSeconds(1), ServerWide: true));
            }
            room = Add(name);
        }
        return room.Value.IsCompletedSuccessfully ? new(room.Value.Result) : LoadedAsync(name, room);
    }

    /// Apart from FindAsync, which would otherwise make this closure over the name for every request.
    private Lazy<Task<RoomLoop>> Add(RoomName name) => _rooms.GetOrAdd(name.Value, _ => new Lazy<Task<RoomLoop>>(() => LoadAsync(name)));

    /// With a shared log, the room's announcements are subscribed to first and the log read after: an entry appended
    /// before the subscription took effect is in the restore or the catch-up, one appended after it is announced.
    private async Task<RoomLoop> LoadAsync(RoomName name)
    {
        var following = sharedLog is null ? null : await sharedLog.FollowAsync(name).ConfigureAwait(false);
        try
        {
            var room = new RoomLoop(name, await store.RestoreAsync(name, _options.RoomLimits).ConfigureAwait(false), _services, this);
            if (following is not null) _following[room] = following;
            _ = CatchUpAsync(room); // an entry announced between the restore and now was missed: read past it once
            return room;
        }
        catch
        {
            following?.Dispose();
            throw;
        }
    }

    /// Each loaded room's subscription to its announcements, ended when the room unloads.
    private readonly ConcurrentDictionary<RoomLoop, IDisposable> _following = new(ReferenceEqualityComparer.Instance);

    private async ValueTask<Either<Rejection, RoomLoop>> LoadedAsync(RoomName name, Lazy<Task<RoomLoop>> room)
    {
        try
        {
            return await room.Value.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.RoomRestoreFailed(log, e, name.Value);
            _rooms.TryRemove(new KeyValuePair<string, Lazy<Task<RoomLoop>>>(name.Value, room));
            return new Rejection.Unavailable("the room's store", TimeSpan.FromSeconds(1));
        }
    }

    /// Several nodes: this node may be behind the shared log (an announcement still on its way, or lost: Redis
    /// pub/sub drops what a broken link was sent). Queues what the log has past this node's count into the room's
    /// loop, so that a command sent after this returns is decided on a room at least as far as the log was.
    public Task CatchUpAsync(RoomLoop room) =>
        sharedLog is null ? Task.CompletedTask : Following.CatchUpAsync(room, sharedLog, room.State.Visible, log);

    /// Where the room ends now, for its status: this node's count or, with a shared log, the log's when it is further
    /// (an entry acknowledged by another node, or by this one, may not have been announced here yet: a client told
    /// "stored at N" must never hear next N after it). None when the shared log cannot be asked.
    public async Task<Option<MessageIndex>> NextAsync(RoomLoop room)
    {
        var visible = room.State.Visible;
        if (sharedLog is null) return visible;
        try
        {
            var logged = await sharedLog.CountAsync(room.Name).ConfigureAwait(false);
            return logged > visible ? logged : visible;
        }
        catch (Exception e)
        {
            Log.SharedLogFailed(log, e, room.Name.Value);
            return Option<MessageIndex>.None;
        }
    }

    /// The directory is full: every loaded room is asked to unload if it is idle (naming rooms, even ones that
    /// never get a message, must not lock new rooms out for good). At most once a second: a stream of new names
    /// must not turn into a stream of sweeps. The request that found it full gets 503 with Retry-After: 1.
    private void AskIdleRoomsToUnload()
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastSweep);
        if (now - last < 1000 || Interlocked.CompareExchange(ref _lastSweep, now, last) != last) return;
        var loaded = Loaded().ToList();
        Log.UnloadingIdleRooms(log, loaded.Count);
        foreach (var room in loaded) room.AskToUnload();
    }

    /// A room unloaded itself (from its own loop, idle): the next request loads it again from the store.
    internal void Unloaded(RoomLoop room)
    {
        if (_rooms.TryGetValue(room.Name.Value, out var entry) && Restored(entry) == room)
            _rooms.TryRemove(new KeyValuePair<string, Lazy<Task<RoomLoop>>>(room.Name.Value, entry));
        if (_following.TryRemove(room, out var following)) following.Dispose();
    }

    /// What reached an unloaded room goes to the room's loop of now (loaded again if need be), in order.
    internal async Task ForwardAsync(RoomName name, Command command, Exchange? exchange)
    {
        var found = await FindAsync(name).ConfigureAwait(false);
        if (found.Case is RoomLoop room) room.Send(command, exchange);
        else exchange?.Complete(new Outcome.Unavailable("the room is being loaded again"));
    }

    /// The room's loop if this node has it loaded (announcements for other rooms are not for this node).
    public RoomLoop? Loaded(string name) => _rooms.TryGetValue(name, out var room) ? Restored(room) : null;

    public IEnumerable<RoomLoop> Loaded() => _rooms.Values.Select(Restored).OfType<RoomLoop>();

    private static RoomLoop? Restored(Lazy<Task<RoomLoop>> room) =>
        room.IsValueCreated && room.Value.IsCompletedSuccessfully ? room.Value.Result : null;

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
