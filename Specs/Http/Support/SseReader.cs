using System.Text;

namespace Chat.Specs.Http.Support;

/// A Server-Sent Events client as the spec defines its parsing: `id:` and `data:` lines, a blank line ends
/// an event, data lines join with LF, comments (`:`) are kept apart so specs can see keep-alives.
public sealed class SseReader : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseReader(HttpResponseMessage response, Stream body) =>
        (_response, _reader) = (response, new StreamReader(body, Encoding.UTF8));

    public HttpResponseMessage Response => _response;
    public List<string> Comments { get; } = [];

    public static async Task<SseReader> OpenAsync(HttpClient client, string path, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Wire.Bound);
        return new SseReader(response, await response.Content.ReadAsStreamAsync());
    }

    /// The next event, as (id, data), its id an index; bounded.
    public async Task<(long Id, string Data)> NextAsync(CancellationToken cancel = default)
    {
        var (id, data) = await NextEventAsync(cancel);
        return (long.Parse(id, System.Globalization.CultureInfo.InvariantCulture), data);
    }

    /// The next event, as (id, data), its id as sent; bounded.
    public async Task<(string Id, string Data)> NextEventAsync(CancellationToken cancel = default)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        bound.CancelAfter(Wire.Bound);
        string? id = null;
        var data = new List<string>();
        while (await _reader.ReadLineAsync(bound.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (id is not null) return (id, string.Join("\n", data));
                continue;
            }
            if (line.StartsWith(':')) Comments.Add(line);
            else if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data.Add(line[6..]);
        }
        throw new EndOfStreamException("the event stream ended");
    }

    public async Task<List<(long Id, string Data)>> TakeAsync(int count)
    {
        var events = new List<(long, string)>();
        while (events.Count < count) events.Add(await NextAsync());
        return events;
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
