using System.Net;
using Chat.Core;

namespace Chat.Host.Rooms;

/// What a held poll or an event stream takes while it waits, let go together: one place in the held-poll quota
/// (<see cref="WaiterQuota"/>), and its client's presence in each room it follows (<see cref="Presence"/>).
public sealed class Seat : IDisposable
{
    private WaiterQuota.Lease? _lease;
    private Presence.Entry[]? _here;

    private Seat(WaiterQuota.Lease lease, Presence.Entry[] here) => (_lease, _here) = (lease, here);

    /// A seat for <paramref name="client"/> in <paramref name="rooms"/> (counted once by <paramref name="address"/>
    /// against the quota, however many rooms), or why not.
    public static Seat? Take(WaiterQuota quota, IReadOnlyList<Presence> rooms, ClientKey client, IPAddress? address, out Rejection? refused)
    {
        refused = quota.TryTake(address, out var lease);
        if (lease is null) return null;
        var here = new Presence.Entry[rooms.Count];
        for (var i = 0; i < here.Length; i++) here[i] = rooms[i].Enter(client);
        return new Seat(lease, here);
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _lease, null)?.Dispose();
        foreach (var entry in Interlocked.Exchange(ref _here, null) ?? []) entry.Leave();
    }
}
