using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Rooms;

namespace Chat.Specs.Rooms;

/// A room's poll deadlines, without HTTP: a clock that moves only when told.
public sealed class TimeoutsSpecs
{
    private sealed class Clock : TimeProvider
    {
        public long Now { get; set; }
        public override long GetTimestamp() => Now;
    }

    /// A follower polls once per message, and most polls are answered long before their deadline: 100,000 polls of
    /// which one in a thousand is still held keep at most <see cref="Timeouts.CompactFrom"/> deadlines, not 100,000,
    /// and every poll still held comes due, in the order it was held.
    [Fact]
    public void Deadlines_of_answered_polls_do_not_pile_up_and_every_held_one_still_comes_due()
    {
        var open = new HashSet<WaiterId>();
        var clock = new Clock();
        using var timeouts = new Timeouts(clock, TimeSpan.FromSeconds(30), () => { }, open.Contains, () => open.Count);
        for (var i = 0; i < 100_000; i++)
        {
            var id = new WaiterId(i);
            open.Add(id);
            timeouts.Add(new Waiter(id, Want.One(new MessageIndex(i))));
            if (i % 1000 != 0) open.Remove(id); // answered
        }

        Assert.InRange(timeouts.Count, open.Count, Timeouts.CompactFrom);
        clock.Now += 31 * clock.TimestampFrequency;
        var due = timeouts.TakeDue().Select(w => w.Id).Where(open.Contains).ToList();
        Assert.Equal(open.OrderBy(id => id.Value), due);
        Assert.Equal(0, timeouts.Count);
    }
}
