using System.Net;
using System.Net.Sockets;

namespace Chat.Specs.Clients;

public static class Ports
{
    /// A port free on 127.0.0.1 now, for a host that must come back on the same one after a restart.
    public static int Free()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
