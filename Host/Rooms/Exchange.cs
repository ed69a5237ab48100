using Chat.Core.Room;
using Chat.Core.Values;

namespace Chat.Host.Rooms;

/// One request waiting for its room: a held poll, or a post waiting for its commit. The room's interpreter completes
/// it once (it leaves the room's open exchanges first). Most are <see cref="Awaited"/>; the transport path's held poll
/// writes its own answer where it is completed (Host/Transport).
public abstract class Exchange
{
    private static long _last;

    protected Exchange(RoomLoop? room, Want want)
    {
        Room = room;
        Waiter = new Waiter(new WaiterId(Interlocked.Increment(ref _last)), want);
    }

    /// A poll for <paramref name="want"/> in <paramref name="room"/>.
    public static Awaited ForPoll(RoomLoop room, Want want) => new(room, want);

    /// A post. One made on an event loop (read by the transport path's epoll thread) goes on where it is answered when
    /// that is the loop, as a held poll's answer is sent there, with no wake of a pool thread.
    public static Awaited ForPost() => new(null, default, onLoop: OnEventLoop);

    /// Set on an event loop's thread.
    [ThreadStatic] public static bool OnEventLoop;

    protected RoomLoop? Room { get; }

    public WaiterId Id => Waiter.Id;

    public Waiter Waiter { get; }

    /// Answers the exchange, once.
    public abstract void Complete(Outcome outcome);

    /// Seed: `async_on_peer_reset`. The client hung up: its room drops the poll at once, not at its timeout.
    public void Abandon() => Room?.Send(new Command.Reset(Waiter));

    /// An exchange its handler awaits (<see cref="Task"/>). Continuations run on the thread pool, so a fan-out's
    /// responses are written by every core, not by the room's loop; one made <c>onLoop</c> goes on inline on its loop.
    public sealed class Awaited(RoomLoop? room, Want want, bool onLoop = false) : Exchange(room, want)
    {
        private readonly TaskCompletionSource<Outcome> _answer = new(onLoop ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<Outcome> Task => _answer.Task;

        /// A later answer is ignored. Off its loop, an <c>onLoop</c> exchange's handler goes on on the pool: never on
        /// another engine's thread (a store's, Redis's).
        public override void Complete(Outcome outcome)
        {
            if (!onLoop || OnEventLoop) _answer.TrySetResult(outcome);
            else ThreadPool.UnsafeQueueUserWorkItem(static a => a.Answer.TrySetResult(a.Outcome), (Answer: _answer, Outcome: outcome), preferLocal: false);
        }
    }
}
