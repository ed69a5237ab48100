using Chat.Core.Room;
using Chat.Core.Values;

namespace Chat.Host.Rooms;

/// One HTTP exchange waiting for its room: a poll held open, or a post waiting for its commit.
/// It is its own TaskCompletionSource (one allocation per request); continuations run on the thread pool,
/// so a fan-out's thousands of responses are written by every core, not by the room's loop.
public sealed class Exchange(WaiterId id, Want want, RoomLoop? room) : TaskCompletionSource<Outcome>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    private static long _last;

    public WaiterId Id { get; } = id;

    public Waiter Waiter => new(Id, want);

    public static Exchange ForPoll(RoomLoop room, Want want) => new(new WaiterId(Interlocked.Increment(ref _last)), want, room);

    public static Exchange ForPost() => new(new WaiterId(Interlocked.Increment(ref _last)), default, null);

    /// Seed: `async_on_peer_reset`. The client hung up: tell its room at once, not at its timeout.
    public void Abandon() => room?.Send(new Command.Reset(Waiter));
}
