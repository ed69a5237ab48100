using System.Net.Sockets;

namespace Chat.Specs.Http.Support;

/// How long a conversation waits. <paramref name="Pause"/>: between the pieces of a split stream.
/// <paramref name="Quiet"/>: once every request has its answer, the silence that says the server left the connection open.
/// <paramref name="Wait"/>: while answers are missing, the silence that says none is coming (longer than a held poll).
/// <paramref name="Most"/>: the whole conversation.
public sealed record Timing(TimeSpan Pause, TimeSpan Quiet, TimeSpan Wait, TimeSpan Most)
{
    /// More patient: for another look at a stream whose two answers differed (a slow machine, not a difference?).
    public Timing Patient => new(Pause, Quiet * 4, Wait * 2, Most * 2);
}

/// What came back on one connection: every byte, whether the server closed it, and how many bytes had come when the
/// client shut its sending side (if it did).
public sealed record Received(byte[] Bytes, IReadOnlyList<Http1Framing.Request> Requests, bool Closed, int? ShutAt)
{
    public string Canonical => Http1Framing.Canonical(Bytes, Requests, Closed, ShutAt);
}

/// One request stream on a fresh connection: written in its pieces (NoDelay, a pause between them), then read until
/// the server closes the connection or falls silent (<see cref="Timing"/>). A reset counts as a close: whether the
/// server's close is a FIN or a reset depends only on whether our later bytes had reached it.
public static class RawConversation
{
    public static async Task<Received> RunAsync(Uri server, RequestStream stream, Timing timing)
    {
        using var most = new CancellationTokenSource(timing.Most);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server.Host, server.Port, most.Token);
        var requests = Http1Framing.Requests(stream.Bytes);
        var writing = WriteAsync(socket, stream, timing.Pause, most.Token);
        using var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int? shutAt = null;
        bool closed;
        while (true)
        {
            var answered = writing.IsCompleted && Answered(received, requests) >= requests.Count;
            using var silence = CancellationTokenSource.CreateLinkedTokenSource(most.Token);
            silence.CancelAfter(answered ? timing.Quiet : timing.Wait);
            int n;
            try { n = await socket.ReceiveAsync(buffer, SocketFlags.None, silence.Token); }
            catch (OperationCanceledException) when (!most.IsCancellationRequested && stream.Shut == Shut.OnceQuiet && shutAt is null)
            {
                // The server answered what it could and waits for the rest: now the client hangs up.
                await writing;
                shutAt = (int)received.Length;
                socket.Shutdown(SocketShutdown.Send);
                continue;
            }
            catch (OperationCanceledException) { closed = false; break; }
            catch (SocketException) { closed = true; break; }
            if (n == 0) { closed = true; break; }
            received.Write(buffer, 0, n);
        }
        await writing;
        return new Received(received.ToArray(), requests, closed, stream.Shut == Shut.AtOnce ? 0 : shutAt);
    }

    /// How many final responses (not 1xx) are complete so far.
    private static int Answered(MemoryStream received, IReadOnlyList<Http1Framing.Request> requests) =>
        Http1Framing.Responses(received.GetBuffer().AsSpan(0, (int)received.Length), requests, closed: false).Responses.Count(r => r.Response.IsFinal);

    private static async Task WriteAsync(Socket socket, RequestStream stream, TimeSpan pause, CancellationToken cancel)
    {
        try
        {
            var from = 0;
            foreach (var at in stream.Splits.Append(stream.Bytes.Length))
            {
                if (from > 0) await Task.Delay(pause, cancel);
                await socket.SendAsync(stream.Bytes.AsMemory(from, at - from), SocketFlags.None, cancel);
                from = at;
            }
            if (stream.Shut == Shut.AtOnce) socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The server closed the connection before it had every byte (a refusal): its answer says so.
        }
    }
}
