using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Chat.Specs.Clients;

/// A tiny TCP proxy on 127.0.0.1 in front of a host. It forwards every connection both ways and records what
/// clients send; the first <c>cuts</c> connections it forwards the request, reads the host's answer and, instead
/// of forwarding it, drops the connection: the post is stored and the client never hears so.
public sealed class Relay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly StringBuilder _sent = new();
    private readonly Task _accepting;
    private int _cutsLeft;
    private int _cut;

    public Relay(Uri target, int cuts = 0)
    {
        (_target, _cutsLeft) = (target, cuts);
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    public Uri Address { get; }

    /// Answers the relay read from the host and dropped.
    public int Cut => Volatile.Read(ref _cut);

    /// Every byte clients sent through the relay, as text (request heads and form bodies are ASCII).
    public string Sent { get { lock (_sent) return _sent.ToString(); } }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            lock (_connections) _connections.Add(RelayAsync(client, cut: Interlocked.Decrement(ref _cutsLeft) >= 0));
        }
    }

    private async Task RelayAsync(Socket client, bool cut)
    {
        using var _ = client;
        using var host = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await host.ConnectAsync(_target.Host, _target.Port, _stop.Token);
            var upstream = PumpAsync(client, host, record: true);
            if (cut)
            {
                var answer = new byte[4096];
                if (await host.ReceiveAsync(answer, _stop.Token) > 0) Interlocked.Increment(ref _cut); // the host answered: drop it
                return;
            }
            await Task.WhenAny(upstream, PumpAsync(host, client, record: false));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException) { }
    }

    private async Task PumpAsync(Socket from, Socket to, bool record)
    {
        var buffer = new byte[16384];
        try
        {
            while (await from.ReceiveAsync(buffer, _stop.Token) is var read and > 0)
            {
                if (record) lock (_sent) _sent.Append(Encoding.UTF8.GetString(buffer, 0, read));
                await to.SendAsync(buffer.AsMemory(0, read), _stop.Token);
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] open;
        lock (_connections) open = [.. _connections];
        await Task.WhenAll(open).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
