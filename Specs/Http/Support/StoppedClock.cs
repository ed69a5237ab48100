namespace Chat.Specs.Http.Support;

/// The system's clock for timers and timestamps, but a wall-clock time that moves only when told: messages are
/// stamped with known times, so exchanges that show them can be pinned.
public sealed class StoppedClock(DateTimeOffset now) : TimeProvider
{
    private DateTimeOffset _now = now;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
