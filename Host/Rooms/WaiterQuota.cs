using System.Collections.Concurrent;
using System.Net;
using Chat.Core;
using Chat.Host.Options;
using Microsoft.Extensions.Options;

namespace Chat.Host.Rooms;

/// How many polls may be held at once, per client address and in all. A held poll costs a socket and a
/// few kilobytes; without a cap one client could hold them all. Over the per-client cap: 429; over the
/// total: 503. Both say when to retry: about when a held poll would have timed out anyway.
public sealed class WaiterQuota(IOptions<ChatOptions> options)
{
    private readonly ConcurrentDictionary<IPAddress, int> _perClient = new();
    private readonly ChatOptions _options = options.Value;
    private int _total;

    /// A lease for one more held poll from <paramref name="client"/>, or why not (then <paramref name="lease"/> is null).
    public Rejection? TryTake(IPAddress? client, out Lease? lease)
    {
        lease = null;
        var address = client ?? IPAddress.None;
        if (Interlocked.Increment(ref _total) > _options.MaxWaiters)
        {
            Interlocked.Decrement(ref _total);
            return new Rejection.TooMany("held polls", _options.PollTimeout, ServerWide: true);
        }
        if (_perClient.AddOrUpdate(address, 1, (_, n) => n + 1) > _options.MaxWaitersPerClient)
        {
            Release(address);
            return new Rejection.TooMany("held polls from this address", _options.PollTimeout, ServerWide: false);
        }
        lease = new Lease(this, address);
        return null;
    }

    private void Release(IPAddress address)
    {
        Interlocked.Decrement(ref _total);
        // Drop the entry when it reaches zero so that addresses seen once do not pile up.
        if (_perClient.AddOrUpdate(address, 0, (_, n) => n - 1) <= 0) _perClient.TryRemove(new KeyValuePair<IPAddress, int>(address, 0));
    }

    public sealed class Lease(WaiterQuota quota, IPAddress address) : IDisposable
    {
        private int _released;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) quota.Release(address);
        }
    }
}
