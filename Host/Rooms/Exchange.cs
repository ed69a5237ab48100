using Chat.Core.Room;
using Chat.Core.Values;

namespace Chat.Host.Rooms;

/// One HTTP exchange waiting for its room: a poll held open, or a post waiting for its commit.
/// It is its own TaskCompletionSource (one allocation per request); continuations run on the thread pool,
/// so a fan-out's thousands of responses are written by every core, not by the room's loop.
public sealed class Exchange(WaiterId id, Want want, RoomLoop? room) : TaskCompletionSource<Outcome>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    private static long _last;
    private WaiterQuota.Lease? _lease;

    public WaiterId Id { get; } = id;

    public Waiter Waiter => new(Id, want);

    public static Exchange ForPoll(RoomLoop room, Want want) => new(new WaiterId(Interlocked.Increment(ref _last)), want, room);

    public static Exchange ForPost() => new(new WaiterId(Interlocked.Increment(ref _last)), default, null);

    /// Seed: `async_on_peer_reset`. The client hung up: tell its room at once, not at its timeout.
    public void Abandon() => room?.Send(new Command.Reset(Waiter));

    /// Holds the poll: its quota lease ends with the exchange, and a hang-up resets it in its room. Nothing waits
    /// in between: the request's only frame is its handler's, awaiting <see cref="TaskCompletionSource{T}.Task"/>
    /// (each frame a held poll keeps alive is paid once per held poll). The hang-up registration is left to the
    /// request: Kestrel clears it when the request ends, and a reset of a waiter that is gone changes nothing.
    public Task<Outcome> Hold(WaiterQuota.Lease? lease, CancellationToken aborted)
    {
        _lease = lease;   // before the room can see the exchange, so that its completion always finds the lease
        room!.Send(new Command.Subscribe(Waiter), this);
        aborted.UnsafeRegister(static exchange => ((Exchange)exchange!).Abandon(), this);
        return Task;
    }

    /// Answers the exchange (once; later answers are ignored) and returns its held-poll lease.
    public void Complete(Outcome outcome)
    {
        if (TrySetResult(outcome)) Interlocked.Exchange(ref _lease, null)?.Dispose();
    }
}
