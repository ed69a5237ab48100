using System.Net;
using System.Net.Sockets;

namespace Chat.Specs.Http.Support;

/// A 127.0.0.1 port for a server a spec starts later (a child process, nginx, redis-server) or restarts on the same
/// port. Taken below Linux's ephemeral range (32768 and up), where no connection's own end is bound: a port-0 probe
/// returns one of those, and a connection opened before the server binds may take it (EADDRINUSE, a failed start).
/// A port is handed out once per test process, and is free when handed out.
public static class FreePort
{
    private const int Lowest = 10000, Count = 12000; // 10000-21999: with a Redis Cluster's bus (+10000), below 32768
    private static readonly HashSet<int> Taken = [];
    private static int _next = Random.Shared.Next(Count);

    /// A free port; with <paramref name="busOffset"/>, one whose port + offset is free too (a Redis Cluster node's bus).
    public static int Take(int busOffset = 0)
    {
        lock (Taken)
        {
            for (var tries = 0; tries < Count; tries++)
            {
                var port = Lowest + _next++ % Count;
                if (Taken.Contains(port) || !Bindable(port)) continue;
                if (busOffset > 0 && (Taken.Contains(port + busOffset) || !Bindable(port + busOffset))) continue;
                Taken.Add(port);
                if (busOffset > 0) Taken.Add(port + busOffset);
                return port;
            }
        }
        throw new InvalidOperationException($"no free port in {Lowest}-{Lowest + Count - 1}");
    }

    private static bool Bindable(int port)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
