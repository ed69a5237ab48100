using System.Net;
using System.Runtime.CompilerServices;
using Polly;

namespace Chat.Client;

/// <summary>A client of the chat service: posts that are stored once however often they are retried, a room
/// followed as an async stream that resumes after any failure, a room's status, a moderator's removals. Safe to share between threads;
/// one per process is enough.</summary>
public sealed partial class ChatClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Nodes _nodes;
    private readonly ChatClientOptions _options;
    private readonly ResiliencePipeline<Reply<Wire.Posted>> _posts;
    private readonly ResiliencePipeline<Reply<RoomStatus>> _statuses;
    private readonly ResiliencePipeline<Reply<Wire.Page>> _polls;
    private readonly ResiliencePipeline<Reply<Wire.Pages>> _roomsPolls;
    private readonly ResiliencePipeline<Reply<Wire.Removed>> _removals;
    private readonly ResiliencePipeline<Reply<Erasure>> _erasures;

    /// <summary>A client that sends through <paramref name="http"/>, to its <see cref="HttpClient.BaseAddress"/>.
    /// Its <see cref="HttpClient.Timeout"/> should be above <see cref="ChatClientOptions.PollTimeout"/> (or infinite).</summary>
    public ChatClient(HttpClient http, ChatClientOptions? options = null)
        : this(http, ownsHttp: false, options ?? new ChatClientOptions(),
               [http?.BaseAddress ?? throw new ArgumentException("The HttpClient needs a BaseAddress.", nameof(http))])
    {
    }

    /// <summary>A client of one node, or of several that share their rooms (over Redis): a request that fails on
    /// one node is retried on the next.</summary>
    public ChatClient(params Uri[] nodes) : this(new ChatClientOptions(), nodes)
    {
    }

    /// <summary>As <see cref="ChatClient(Uri[])"/>, with options.</summary>
    public ChatClient(ChatClientOptions options, params Uri[] nodes)
        : this(OwnHttpClient(options), ownsHttp: true, options, nodes)
    {
    }

    private ChatClient(HttpClient http, bool ownsHttp, ChatClientOptions options, IEnumerable<Uri> nodes)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!IsClientId(options.ClientId))
            throw new ArgumentException("A client id is 1-64 of A-Z a-z 0-9 _ -.", nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, nameof(options.BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxRetries, 1, nameof(options.MaxRetries));
        (_http, _ownsHttp, _options, _nodes) = (http, ownsHttp, options, new Nodes(nodes));
        _posts = Retries.Pipeline<Wire.Posted>(options, _nodes, options.MaxRetries, options.RequestTimeout);
        _statuses = Retries.Pipeline<RoomStatus>(options, _nodes, options.MaxRetries, options.RequestTimeout);
        _polls = Retries.Pipeline<Wire.Page>(options, _nodes, int.MaxValue, options.PollTimeout);
        _roomsPolls = Retries.Pipeline<Wire.Pages>(options, _nodes, int.MaxValue, options.PollTimeout);
        _removals = Retries.Pipeline<Wire.Removed>(options, _nodes, options.MaxRetries, options.RequestTimeout);
        _erasures = Retries.Pipeline<Erasure>(options, _nodes, options.MaxRetries, options.RequestTimeout);
    }

    /// <summary>Posts <paramref name="text"/> to <paramref name="room"/> anonymously; returns its index.</summary>
    /// <inheritdoc cref="PostAsync(string, string, string?, CancellationToken)"/>
    public Task<long> PostAsync(string room, string text, CancellationToken ct = default) => PostAsync(room, text, null, ct);

    /// <summary>Posts <paramref name="text"/> to <paramref name="room"/> as <paramref name="name"/> (null: anonymously);
    /// returns its index once the service has stored it. One <c>Idempotency-Key</c> goes with every attempt, so
    /// a retry after a dropped connection, a 5xx or a 429 (after its <c>Retry-After</c>) is stored once and
    /// answers the first attempt's index.</summary>
    /// <exception cref="ChatException">The service refused the post, or still refused it after every retry.</exception>
    /// <exception cref="HttpRequestException">No node answered, after every retry.</exception>
    /// <exception cref="TimeoutException">The last attempt took longer than <see cref="ChatClientOptions.RequestTimeout"/>.</exception>
    public async Task<long> PostAsync(string room, string text, string? name, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var key = Guid.NewGuid().ToString("N"); // one per logical post, the same for all its attempts
        KeyValuePair<string, string>[] form = name is null ? [new("message", text)] : [new("message", text), new("name", name)];
        var reply = await ExecuteAsync(_posts, HttpMethod.Post, $"{RoomPath(room)}/post",
            () => new FormUrlEncodedContent(form), key, WireJson.Default.Posted, ct).ConfigureAwait(false);
        return reply.Value!.Index;
    }

    /// <summary>Where <paramref name="room"/> stands: its first kept and next index, the polls held for it, who is here.</summary>
    /// <exception cref="ChatException">The service refused (a bad room name: 400).</exception>
    public async Task<RoomStatus> StatusAsync(string room, CancellationToken ct = default) =>
        (await ExecuteAsync(_statuses, HttpMethod.Get, RoomPath(room), null, null, WireJson.Default.RoomStatus, ct).ConfigureAwait(false)).Value!;

    /// <summary>Every entry of <paramref name="room"/> from index <paramref name="from"/> on, in order, each once:
    /// those already there in batches, then each new one as it is posted (long polling; a poll that times out
    /// is asked again). An entry is a message, a removed message (<see cref="ChatMessage.RemovedBy"/>, text and
    /// author erased) or a moderator's removal (<see cref="ChatMessage.Removes"/>: hide that message if it was shown).
    /// Where the room no longer keeps <paramref name="from"/> (retention trimmed it: 410), or trims past the
    /// follower while it catches up, it goes on from the room's first kept index. After any failure (the node
    /// down or restarting, a cut connection, 5xx, 429) it waits with backoff and jitter, on the next node if
    /// there are several, and resumes at the next index; it never ends by itself. Cancelling <paramref name="ct"/> ends it at once with an
    /// <see cref="OperationCanceledException"/> and hangs up the poll held on the service.</summary>
    /// <exception cref="ChatException">The service refused: a bad room name (400), <paramref name="from"/> past the
    /// room's end (404).</exception>
    public async IAsyncEnumerable<ChatMessage> FollowAsync(string room, long from, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        var path = $"{RoomPath(room)}/messages?limit={_options.BatchSize}&from=";
        var next = from;
        while (true)
        {
            var reply = await ExecuteAsync(_polls, HttpMethod.Get, path + next, null, null, WireJson.Default.Page, ct, goneRestarts: true).ConfigureAwait(false);
            if (reply.Status == HttpStatusCode.NoContent) continue; // the poll timed out with nothing new: ask again
            if (reply.Status == HttpStatusCode.Gone)
            {
                next = Math.Max(next, reply.Problem!.First!.Value); // trimmed below the room's first: start there
                continue;
            }
            var page = reply.Value!;
            foreach (var message in page.Messages)
            {
                if (message.Index < next) continue; // an answer repeated by a retry never yields a message twice
                next = message.Index + 1;
                yield return message;
            }
            next = Math.Max(next, page.Next);
        }
    }

    /// <summary>Several rooms through one long poll (<c>GET /messages</c>): every entry of each room from its index in
    /// <paramref name="from"/> on, in order within its room and each once, as they are posted (removals and removed
    /// messages included, as in the follow of one room). A room trimmed below its cursor (410) goes on from its first
    /// kept index, the others where they were. It resumes after any failure as the follow of one room does, and never
    /// ends by itself.</summary>
    /// <exception cref="ChatException">The service refused: a bad room name or too many rooms (400), an index past a
    /// room's end (404), a protected room the token may not read (401, 403).</exception>
    public async IAsyncEnumerable<RoomMessage> FollowAsync(IReadOnlyDictionary<string, long> from, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(from);
        if (from.Count == 0) throw new ArgumentException("Name at least one room.", nameof(from));
        var next = new Dictionary<string, long>(from, StringComparer.Ordinal);
        while (true)
        {
            var cursor = string.Join(',', next.Select(room => $"{Uri.EscapeDataString(room.Key)}:{room.Value}"));
            var reply = await ExecuteAsync(_roomsPolls, HttpMethod.Get, $"messages?limit={_options.BatchSize}&from={cursor}", null, null,
                WireJson.Default.Pages, ct, goneRestarts: true).ConfigureAwait(false);
            if (reply.Status == HttpStatusCode.NoContent) continue; // the poll timed out with nothing new: ask again
            if (reply.Status == HttpStatusCode.Gone)
            {
                // That room only was trimmed below its cursor: it starts at its first; the others stay where they are.
                if (reply.Problem!.Room is not { } trimmed || !next.TryGetValue(trimmed, out var at)) throw reply.Refusal();
                next[trimmed] = Math.Max(at, reply.Problem.First!.Value);
                continue;
            }
            foreach (var page in reply.Value!.Rooms)
            {
                foreach (var message in page.Messages)
                {
                    if (message.Index < next[page.Room]) continue; // an answer repeated by a retry never yields twice
                    next[page.Room] = message.Index + 1;
                    yield return new RoomMessage(page.Room, message);
                }
                next[page.Room] = Math.Max(next[page.Room], page.Next);
            }
        }
    }

    /// <summary>Disposes the HttpClient this client made (not one it was given).</summary>
    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }

    /// No overall timeout: each attempt has its own (<see cref="ChatClientOptions.PollTimeout"/> for a poll).
    private static HttpClient OwnHttpClient(ChatClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.RequestTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5), // a node whose address moves is found again
        };
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    private static string RoomPath(string room)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        return $"rooms/{Uri.EscapeDataString(room)}";
    }

    private static bool IsClientId(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
}
