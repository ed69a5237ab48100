using Chat.Core.Room;
using Chat.Core.Values;

namespace Chat.Host.Rooms;

/// One HTTP exchange waiting for its room: a held poll, or a post waiting for its commit. The room's interpreter
/// completes it once; its handler awaits <see cref="TaskCompletionSource{T}.Task"/>. Continuations run on the thread
/// pool, so a fan-out's responses are written by every core, not by the room's loop.
public sealed class Exchange : TaskCompletionSource<Outcome>
{
    private static long _last;
    private readonly RoomLoop? _room;

    private Exchange(RoomLoop? room, Want want) : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _room = room;
        Waiter = new Waiter(new WaiterId(Interlocked.Increment(ref _last)), want);
    }

    /// A poll for <paramref name="want"/> in <paramref name="room"/>.
    public static Exchange ForPoll(RoomLoop room, Want want) => new(room, want);

    public static Exchange ForPost() => new(null, default);

    public WaiterId Id => Waiter.Id;

    public Waiter Waiter { get; }

    /// Answers the exchange; a later answer is ignored.
    public void Complete(Outcome outcome) => TrySetResult(outcome);

    /// Seed: `async_on_peer_reset`. The client hung up: its room drops the poll at once, not at its timeout.
    public void Abandon() => _room?.Send(new Command.Reset(Waiter));
}
