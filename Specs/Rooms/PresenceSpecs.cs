using Chat.Host.Rooms;

namespace Chat.Specs.Rooms;

/// A room's presence on its own: entries come and go with polls, and nothing piles up.
public sealed class PresenceSpecs
{
    private static ClientKey Client(int i) => new($"tab-{i}", null);

    [Fact]
    public void A_room_followed_by_ever_new_clients_and_never_asked_who_is_here_forgets_those_that_left()
    {
        var presence = new Presence(TimeSpan.Zero, TimeSpan.FromMinutes(10));
        for (var i = 0; i < 20_000; i++)
        {
            presence.Seen(Client(i));
            if (i % 1000 == 999) Thread.Sleep(2); // the clock moves on: those seen before are past the grace
        }
        Assert.True(presence.Tracked <= 4096 + 1000, $"{presence.Tracked} of 20,000 clients kept");
    }

    [Fact]
    public void A_client_is_here_while_it_holds_a_poll_and_once_however_many_it_holds()
    {
        var presence = new Presence(TimeSpan.Zero, TimeSpan.FromMinutes(10));
        var first = presence.Enter(Client(1));
        var second = presence.Enter(Client(1));
        var other = presence.Enter(new ClientKey(null, System.Net.IPAddress.Loopback));
        Assert.Equal(2, presence.Snapshot().Here.Count);
        first.Leave();
        Assert.Equal(2, presence.Snapshot().Here.Count);
        second.Leave();
        other.Leave();
        Thread.Sleep(5);
        Assert.Empty(presence.Snapshot().Here);
        Assert.Equal(0, presence.Tracked);
    }
}
