using Chat.Core.Room;

namespace Chat.Host.Rooms;

/// A room's poll deadlines. Every poll waits the same time, so deadlines come due in the order polls were
/// held: a FIFO and one timer armed for its head replace a timer per waiter. Entries of waiters already gone
/// stay until their deadline and are then ignored by the core (Timeout of a waiter not held does nothing).
/// Owned by the room's loop: not thread-safe.
public sealed class Timeouts(TimeProvider clock, TimeSpan timeout, Action tick) : IDisposable
{
    private readonly Queue<(long Due, Waiter Waiter)> _queue = new();
    private readonly ITimer _timer = clock.CreateTimer(_ => tick(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    private bool _armed;

    public void Add(Waiter waiter)
    {
        _queue.Enqueue((clock.GetTimestamp() + Ticks(timeout), waiter));
        if (!_armed) Arm();
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
