using System.Buffers;
using System.Diagnostics;
using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Rooms;
using Chat.Host.Storage;

namespace Chat.Host.Effects;

/// The one switch over <see cref="Effect"/> in the host: each case does what the core decided, and nothing
/// the core did not decide. It runs on its room's loop: a store write is queued and committed when the room's
/// inbox is empty (<see cref="Settle"/>), a store read is left to the handler that asked.
public sealed class Interpreter(RoomLoop room, Dictionary<WaiterId, Exchange> open, RoomServices services)
{
    /// When each unpublished post reached the room, for the post-to-delivery histogram.
    private readonly Dictionary<MessageIndex, long> _postedAt = [];
    private bool _queuedAppends;
    private long _lastHeld = long.MinValue / 2; // when a poll was last held here (Environment.TickCount64)

    public void Run(Effect effect)
    {
        switch (effect)
        {
            case Effect.Hold e: Hold(e.Waiter); break;
            case Effect.Persist e: Persist(e); break;
            case Effect.AwaitStore: break; // the core keeps the poster with the pending post; Publish answers it
            case Effect.Publish e: Published(e.At); break;
            case Effect.Deliver e: Deliver(e); break;
            case Effect.Answer e: Complete(e.To, Answered(e.Reply)); break;
            case Effect.Expire e: Complete(e.Waiter.Id, Outcome.ExpiredOnce); services.Metrics.Expired(); break;
            case Effect.Forget e: Complete(e.Waiter.Id, Outcome.GoneOnce); services.Metrics.Disconnected(); break;
            case Effect.Retract e: Retracted(e.From); break; // its posters were answered by the core
            case Effect.Trim: break; // the store trimmed first; the core answers polls below it from now on
            case Effect.Append e: _ = AppendAsync(e); break;
            case Effect.Fetch e: _ = Following.CatchUpAsync(room, SharedLog, e.From, services.Log); break;
            default: throw new UnreachableException($"no interpretation for {effect.GetType().Name}");
        }
    }

    private void Persist(Effect.Persist e)
    {
        _postedAt[e.At] = services.Clock.GetTimestamp();
        services.Writer.Enqueue(new Append(room.Name, e.At, e.Message, e.Key), room);
        _queuedAppends = true;
    }

    /// The room's inbox is empty: the appends its steps queued are committed now, all in one transaction
    /// (group commit: a busy room's posts share it, and so do other rooms' queued meanwhile). A followed room's (a poll
    /// held now or in the last second: its followers may be between two polls) is not deferred to the end of the epoll
    /// thread's batch, where its fan-out would wait for every re-poll in the batch.
    public void Settle()
    {
        if (!_queuedAppends) return;
        _queuedAppends = false;
        services.Writer.Commit(awaited: !room.State.Waiters.IsEmpty || Environment.TickCount64 - _lastHeld < 1000);
    }

    private void Published(MessageIndex at)
    {
        services.Metrics.Published();
        if (_postedAt.Remove(at, out var since)) services.Metrics.PostToDelivery(services.Clock.GetElapsedTime(since));
    }

    private void Retracted(MessageIndex from)
    {
        foreach (var at in _postedAt.Keys.Where(at => at >= from).ToList()) _postedAt.Remove(at);
    }

    private ISharedLog SharedLog => services.SharedLog ?? throw new InvalidOperationException("a shared-log effect without a shared log");

    /// Off the loop: the log numbers the post; its answer comes back to the room as a command.
    private async Task AppendAsync(Effect.Append e)
    {
        Reply reply;
        try
        {
            reply = await SharedLog.AppendAsync(room.Name, e.Message, e.Key).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            Observability.Log.SharedLogFailed(services.Log, error, room.Name.Value);
            // Never a 2xx for a message the log may not hold, and never "not stored" for one it may hold.
            reply = new Reply.StoreFailed(MaybeStored: !SharedLog.FailedBeforeSending(error));
        }
        room.Send(new Command.Appended(e.Poster, reply));
    }

    private void Hold(Waiter waiter)
    {
        _lastHeld = Environment.TickCount64;
        room.Timeouts.Add(waiter);
        services.Metrics.Held(+1);
    }

    /// Seed: `broadcast()`. One outcome for the whole want: encoded once, completed for each waiter.
    private void Deliver(Effect.Deliver e)
    {
        var outcome = new Outcome.Messages(e.Want.At, e.Messages, WasHeld: true);
        var answered = new Exchange[e.To.Count];
        var held = ArrayPool<long>.Shared.Rent(answered.Length);
        var count = 0;
        foreach (var id in e.To)
        {
            if (!open.Remove(id, out var exchange)) continue;
            held[count] = id.Value;
            answered[count++] = exchange;
        }
        // Oldest first (ids count up as polls come), not in the core's hash order: the longest wait ends first, and
        // neighbouring sends touch sockets made together, which cost the kernel a quarter less (docs/performance.md).
        Array.Sort(held, answered, 0, count);
        ArrayPool<long>.Shared.Return(held);
        Share.CompleteAll(answered, count, outcome);
        services.Metrics.Delivered(e.To.Count);
    }

    /// A fan-out completed on every core: this thread takes one share, the thread pool the others. A held poll on the
    /// transport path sends its answer where it is completed, and a send to a socket is most of a delivery's cost.
    private sealed class Share(Exchange[] answered, int from, int to, Outcome outcome) : IThreadPoolWorkItem
    {
        /// Fewer waiters than this a share are not worth a thread's wake-up: a second share of 100 followers cost ~10%
        /// more CPU per delivery and no latency; 15,000 waiters still go over both cores.
        private const int Least = 1024;

        public static void CompleteAll(Exchange[] answered, int count, Outcome outcome)
        {
            var shares = Math.Clamp(count / Least, 1, Environment.ProcessorCount);
            var size = (count + shares - 1) / shares;
            for (var from = size; from < count; from += size)
                ThreadPool.UnsafeQueueUserWorkItem(new Share(answered, from, Math.Min(from + size, count), outcome), preferLocal: false);
            Complete(answered, 0, Math.Min(size, count), outcome);
        }

        public void Execute() => Complete(answered, from, to, outcome);

        private static void Complete(Exchange[] answered, int from, int to, Outcome outcome)
        {
            for (var i = from; i < to; i++) answered[i].Complete(outcome);
        }
    }

    /// Messages are the room's one shared read of them, as for a poll answered before the loop.
    private Outcome Answered(Reply reply) => reply is Reply.Messages m ? room.Read(m) : new Outcome.Replied(reply);

    private void Complete(WaiterId id, Outcome outcome)
    {
        if (outcome is Outcome.Expired or Outcome.Gone) services.Metrics.Held(-1);
        if (open.Remove(id, out var exchange)) exchange.Complete(outcome);
    }
}
