using Chat.Core.Room;
using Chat.Core.Values;

namespace Chat.Host.Rooms;

/// One HTTP exchange waiting for its room: a poll held open, or a post waiting for its commit.
/// It is its own TaskCompletionSource (one allocation per request); continuations run on the thread pool,
/// so a fan-out's thousands of responses are written by every core, not by the room's loop.
public sealed class Exchange(WaiterId id, Want want) : TaskCompletionSource<Outcome>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    private static long _last;

    public WaiterId Id { get; } = id;

    public Waiter Waiter => new(Id, want);

    public static Exchange ForPoll(Want want) => new(new WaiterId(Interlocked.Increment(ref _last)), want);

    public static Exchange ForPost() => new(new WaiterId(Interlocked.Increment(ref _last)), default);
}
