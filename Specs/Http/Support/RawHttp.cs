using System.Net.Sockets;
using System.Text;

namespace Chat.Specs.Http.Support;

/// A response as it came off the wire.
public sealed record RawResponse(string StatusLine, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body)
{
    public int Status => int.Parse(StatusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    public string? Header(string name) => Headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
    public string Text => Encoding.UTF8.GetString(Body);
}

/// HTTP/1.1 over a plain socket: for exchanges the specs must see byte for byte, and for requests no
/// well-behaved client library would send.
public static class RawHttp
{
    public static async Task<RawResponse> SendAsync(Uri server, byte[] request, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, cts.Token);
        var stream = tcp.GetStream();
        await stream.WriteAsync(request, cts.Token);
        return await ReadResponseAsync(stream, cts.Token);
    }

    public static Task<RawResponse> SendAsync(Uri server, string request, TimeSpan? timeout = null) =>
        SendAsync(server, Encoding.UTF8.GetBytes(request), timeout);

    /// Reads one response: status line, headers, then a Content-Length or chunked body (or to the close).
    public static Task<RawResponse> ReadResponseAsync(Stream stream, CancellationToken cancel) => ReadAsync(new ByteReader(stream), cancel);

    /// Reads <paramref name="count"/> responses to requests sent back to back (they may arrive in one read).
    public static async Task<List<RawResponse>> ReadResponsesAsync(Stream stream, int count, CancellationToken cancel)
    {
        var reader = new ByteReader(stream);
        var responses = new List<RawResponse>();
        while (responses.Count < count) responses.Add(await ReadAsync(reader, cancel));
        return responses;
    }

    private static async Task<RawResponse> ReadAsync(ByteReader reader, CancellationToken cancel)
    {
        var statusLine = await reader.LineAsync(cancel) ?? throw new IOException("connection closed before a response");
        var headers = new List<(string, string)>();
        for (var line = await reader.LineAsync(cancel); !string.IsNullOrEmpty(line); line = await reader.LineAsync(cancel))
        {
            var colon = line.IndexOf(':');
            headers.Add((line[..colon], line[(colon + 1)..].Trim()));
        }
        string? Get(string n) => headers.FirstOrDefault(h => h.Item1.Equals(n, StringComparison.OrdinalIgnoreCase)).Item2;
        var status = int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        byte[] body;
        if (status is 204 or 304) body = [];
        else if (Get("Content-Length") is { } length) body = await reader.BytesAsync(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture), cancel);
        else if (Get("Transfer-Encoding") is { } te && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            using var all = new MemoryStream();
            while (true)
            {
                var size = Convert.ToInt32((await reader.LineAsync(cancel))!.Split(';')[0], 16);
                if (size == 0) { await reader.LineAsync(cancel); break; }
                all.Write(await reader.BytesAsync(size, cancel));
                await reader.LineAsync(cancel);
            }
            body = all.ToArray();
        }
        else body = await reader.RestAsync(cancel);
        return new RawResponse(statusLine, headers, body);
    }

    private sealed class ByteReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start, _end;

        private async Task<bool> FillAsync(CancellationToken cancel)
        {
            if (_start > 0) { Array.Copy(_buffer, _start, _buffer, 0, _end - _start); _end -= _start; _start = 0; }
            var n = await stream.ReadAsync(_buffer.AsMemory(_end), cancel);
            _end += n;
            return n > 0;
        }

        public async Task<string?> LineAsync(CancellationToken cancel)
        {
            while (true)
            {
                var i = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (i >= 0)
                {
                    var line = Encoding.UTF8.GetString(_buffer, _start, i - _start).TrimEnd('\r');
                    _start = i + 1;
                    return line;
                }
                if (!await FillAsync(cancel)) return null;
            }
        }

        public async Task<byte[]> BytesAsync(int count, CancellationToken cancel)
        {
            var result = new byte[count];
            var have = 0;
            while (have < count)
            {
                if (_start == _end && !await FillAsync(cancel)) throw new IOException("connection closed inside a body");
                var n = Math.Min(count - have, _end - _start);
                Array.Copy(_buffer, _start, result, have, n);
                (_start, have) = (_start + n, have + n);
            }
            return result;
        }

        public async Task<byte[]> RestAsync(CancellationToken cancel)
        {
            using var all = new MemoryStream();
            do { all.Write(_buffer, _start, _end - _start); _start = _end; } while (await FillAsync(cancel));
            return all.ToArray();
        }
    }
}
