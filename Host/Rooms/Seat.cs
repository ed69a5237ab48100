using System.Net;
using Chat.Core;

namespace Chat.Host.Rooms;

/// What a held poll or an event stream takes while it waits, let go together: a place in the held-poll quota
/// (<see cref="WaiterQuota"/>) and its client's presence in the room (<see cref="Presence"/>).
public sealed class Seat : IDisposable
{
    private WaiterQuota.Lease? _lease;
    private Presence.Entry? _here;

    private Seat(WaiterQuota.Lease lease, Presence.Entry here) => (_lease, _here) = (lease, here);

    /// A seat for <paramref name="client"/> (counted by <paramref name="address"/> against the quota), or why not.
    public static Seat? Take(WaiterQuota quota, Presence presence, ClientKey client, IPAddress? address, out Rejection? refused)
    {
        refused = quota.TryTake(address, out var lease);
        return lease is null ? null : new Seat(lease, presence.Enter(client));
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _lease, null)?.Dispose();
        Interlocked.Exchange(ref _here, null)?.Leave();
    }
}
