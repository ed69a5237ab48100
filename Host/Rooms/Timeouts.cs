using Chat.Core.Room;
using Chat.Core.Values;

namespace Chat.Host.Rooms;

/// A room's poll deadlines. Every poll waits the same time, so deadlines come due in the order polls were
/// held: a FIFO and one timer armed for its head replace a timer per waiter. Entries of waiters already gone
/// stay until their deadline and are then ignored by the core (Timeout of a waiter not held does nothing), but
/// not in any number: a follower polls once per message, so a busy room would keep rate x timeout of them
/// (500 posts/s to 100 followers, 30 s: 1.5 million). Past twice the exchanges still open (and at least
/// <see cref="CompactFrom"/>), the gone ones are dropped: the queue stays in proportion to what is held.
/// Owned by the room's loop: not thread-safe.
public sealed class Timeouts(TimeProvider clock, TimeSpan timeout, Action tick, Func<WaiterId, bool> isOpen, Func<int> openCount) : IDisposable
{
    public const int CompactFrom = 1024;
    private readonly Queue<(long Due, Waiter Waiter)> _queue = new();
    private readonly ITimer _timer = clock.CreateTimer(_ => tick(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    private bool _armed;

    /// Deadlines kept, of waiters held or gone.
    public int Count => _queue.Count;

    public void Add(Waiter waiter)
    {
        if (_queue.Count >= CompactFrom && _queue.Count >= 2 * openCount()) Compact();
        _queue.Enqueue((clock.GetTimestamp() + Ticks(timeout), waiter));
        if (!_armed) Arm();
    }

    /// Keeps the deadlines of open exchanges, in order, in the same queue (a new one grew its array again each time).
    /// At least half the queue goes each time, so the cost per added deadline stays constant.
    private void Compact()
    {
        for (var left = _queue.Count; left > 0; left--)
            if (_queue.Dequeue() is var entry && isOpen(entry.Waiter.Id)) _queue.Enqueue(entry);
    }

    /// The waiters whose deadline has passed, oldest first; re-arms the timer for the next one.
    public List<Waiter> TakeDue()
    {
        _armed = false;
        var now = clock.GetTimestamp();
        var due = new List<Waiter>();
        while (_queue.TryPeek(out var head) && head.Due <= now) due.Add(_queue.Dequeue().Waiter);
        if (_queue.Count > 0) Arm();
        return due;
    }

    private void Arm()
    {
        var wait = clock.GetElapsedTime(clock.GetTimestamp(), _queue.Peek().Due);
        _timer.Change(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, Timeout.InfiniteTimeSpan);
        _armed = true;
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * clock.TimestampFrequency);

    public void Dispose() => _timer.Dispose();
}
