using System.Net;
using System.Net.Sockets;

namespace Chat.Specs.Http.Support;

/// An HttpClient whose connections come from a loopback address of the spec's choosing (all of 127.0.0.0/8 is
/// loopback on Linux): to a server or a proxy, another client.
public static class LoopbackClient
{
    public static HttpClient From(string sourceAddress, Uri address, TimeSpan? timeout = null) =>
        new(new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancel) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                socket.Bind(new IPEndPoint(IPAddress.Parse(sourceAddress), 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancel);
                return new NetworkStream(socket, ownsSocket: true);
            },
        })
        { BaseAddress = address, Timeout = timeout ?? TimeSpan.FromSeconds(30) };
}
