using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Chat.Specs.History;

/// The run's clients, each a loop over its plan that does one request at a time and records it: posters (with
/// and without Idempotency-Key, retried), seed followers (`/get/N`), batch followers (`/messages?from=N`), stream
/// followers (`/events`, resumed with Last-Event-ID), status readers (`GET /rooms/{room}`) and moderators
/// (`DELETE .../messages/N` with a token). Readers see removals and placeholders, and restart at `first` when told
/// it (a 410, the seed route's Chat-First). Every request has a timeout of its own; the run's stop only keeps a
/// client from starting its next operation.
public sealed class Clients(Plan plan, Cluster cluster, Recorder recorder, CancellationToken stop)
{
    public static readonly TimeSpan PostTimeout = TimeSpan.FromSeconds(4), PollTimeout = TimeSpan.FromSeconds(5), Silence = TimeSpan.FromSeconds(4);

    /// 503s whose problem says the post was not stored (the store refused it, the node was shutting down, too many
    /// rooms): definite refusals. Any other 5xx leaves the outcome unknown.
    public static readonly string[] RefusedTitles = ["Not stored", "Unavailable", "Too many rooms"];

    public sealed record Cast(string[] Posters, string[] Seeds, string[] Batches, string[] Streams, string[] Statuses, string[] Moderators)
    {
        public IEnumerable<string> Followers => Seeds.Concat(Batches).Concat(Streams).Concat(Statuses);

        public static Cast For(Topology topology) => topology == Topology.Solo
            ? new(Names("p", 4), Names("s", 2), Names("b", 2), Names("e", 2), Names("st", 2), Names("m", 1))
            : new(Names("p", 6), Names("s", 3), Names("b", 2), Names("e", 2), Names("st", 2), Names("m", 2));

        private static string[] Names(string prefix, int count) => [.. Enumerable.Range(0, count).Select(i => $"{prefix}{i}")];
    }

    public Task RunAsync(Cast cast) => Task.WhenAll(
    [
        .. cast.Posters.Select(p => Task.Run(() => PostAllAsync(p))),
        .. cast.Seeds.Select(f => Task.Run(() => FollowAsync(f, GetAsync))),
        .. cast.Batches.Select(f => Task.Run(() => FollowAsync(f, BatchAsync))),
        .. cast.Streams.Select(f => Task.Run(() => FollowAsync(f, EventsAsync))),
        .. cast.Statuses.Select(f => Task.Run(() => StatusesAsync(f))),
        .. cast.Moderators.Select(m => Task.Run(() => ModerateAllAsync(m))),
    ]);

    private static HttpClient Http() => new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(2),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(10),
    })
    { Timeout = Timeout.InfiniteTimeSpan };

    private Uri Url(int node, string path) => new(cluster.AddressOf(node), path);

    private static string Prefix(string room) => room == "chat" ? "/chat" : $"/rooms/{room}";

    // ---- posters ----

    private async Task PostAllAsync(string client)
    {
        using var http = Http();
        for (long n = 0; !stop.IsCancellationRequested; n++)
        {
            var post = plan.Post(client, n);
            for (var attempt = 0; attempt < post.Nodes.Length; attempt++)
            {
                var op = await PostAsync(http, client, post, post.Nodes[attempt]);
                recorder.Add(op);
                if (op.Outcome == Outcome.Ok)
                {
                    if (post.StatusAfter) recorder.Add(await StatusAsync(http, client, post.Room, post.Nodes[(attempt + 1) % post.Nodes.Length]));
                    break;
                }
                if (op.Status is >= 400 and < 500) break;                  // refused for what it is: sending it again changes nothing
                if (op.Outcome == Outcome.Unknown && post.Key is null) break; // sending it again could store it twice
                if (stop.IsCancellationRequested) break;
                await Task.Delay(150 + 100 * attempt, CancellationToken.None);
            }
            await Task.Delay(post.Pause, CancellationToken.None);
        }
    }

    private async Task<Op> PostAsync(HttpClient http, string client, Plan.PostPlan post, int node)
    {
        var op = recorder.Begin(client, node, OpKind.Post, post.Room) with { Text = post.Text, Author = post.Author, Key = post.Key };
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(node, $"{Prefix(post.Room)}/post"))
        {
            Content = new FormUrlEncodedContent([new("message", post.Text), .. post.Author is null ? [] : new KeyValuePair<string, string>[] { new("name", post.Author) }]),
        };
        if (post.Key is not null) request.Headers.Add("Idempotency-Key", post.Key);
        try
        {
            using var timeout = new CancellationTokenSource(PostTimeout);
            using var response = await http.SendAsync(request, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            if (response.StatusCode == HttpStatusCode.Created)
                return op with { Outcome = Outcome.Ok, Status = 201, Index = JsonDocument.Parse(body).RootElement.GetProperty("index").GetInt64() };
            return op with { Outcome = Refusal(response.StatusCode, body, out var title), Status = (int)response.StatusCode, Detail = title };
        }
        catch (Exception e) when (Failure(e) is var (outcome, detail))
        {
            return op with { Outcome = outcome, Detail = detail };
        }
    }

    /// A 4xx, or a 503 whose problem says nothing was stored: a definite refusal. Any other answer: unknown.
    private static Outcome Refusal(HttpStatusCode status, string body, out string? title)
    {
        title = null;
        try { title = JsonDocument.Parse(body).RootElement.GetProperty("title").GetString(); }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException) { }
        return (int)status is >= 400 and < 500 || status == HttpStatusCode.ServiceUnavailable && RefusedTitles.Contains(title) ? Outcome.Failed : Outcome.Unknown;
    }

    /// A request that got no answer. A refused connection never reached a server: failed. Anything else
    /// (a timeout, a connection dropped or reset) may have: unknown.
    private static (Outcome, string)? Failure(Exception e) => e switch
    {
        HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } => (Outcome.Failed, "connection refused"),
        OperationCanceledException => (Outcome.Unknown, "timeout"),
        HttpRequestException or IOException => (Outcome.Unknown, $"{e.GetType().Name}: {e.Message}"),
        _ => null,
    };

    // ---- followers ----

    private async Task FollowAsync(string client, Func<HttpClient, string, string, Plan.ReadPlan, long, Task<Op>> read)
    {
        using var http = Http();
        var room = Plan.RoomOf(client);
        var next = 0L;
        for (long i = 0; !stop.IsCancellationRequested; i++)
        {
            var step = plan.Read(client, i);
            var op = await read(http, client, room, step, next);
            recorder.Add(op);
            if (op.Entries is [.., var last]) next = last.Index + 1;
            else if (op.First is { } first && first > next) next = first; // trimmed below first: go on from there
            await Task.Delay(step.Lag + (op.Outcome == Outcome.Ok ? step.Pause : step.Pause + TimeSpan.FromMilliseconds(100)), CancellationToken.None);
        }
    }

    private async Task<Op> GetAsync(HttpClient http, string client, string room, Plan.ReadPlan step, long next)
    {
        var op = recorder.Begin(client, step.Node, OpKind.Get, room) with { From = next };
        try
        {
            using var timeout = new CancellationTokenSource(PollTimeout);
            using var response = await http.GetAsync(Url(step.Node, $"{Prefix(room)}/get/{next}"), timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            return response.StatusCode switch
            {
                HttpStatusCode.OK when Header(response, "Chat-First") is { } first => op with { Outcome = Outcome.Ok, Status = 200, Entries = [], First = first },
                HttpStatusCode.OK => op with
                {
                    Outcome = Outcome.Ok,
                    Status = 200,
                    Entries = [new Entry(next, body, Meta: false, RemovedBy: Header(response, "Chat-Removed-By"), Removes: Header(response, "Chat-Removes"))],
                },
                HttpStatusCode.NoContent => op with { Outcome = Outcome.Ok, Status = 204, Entries = [] },
                _ => op with { Outcome = Refusal(response.StatusCode, body, out var title), Status = (int)response.StatusCode, Detail = title, First = FirstIn(body) },
            };
        }
        catch (Exception e) when (Failure(e) is var (outcome, detail))
        {
            return op with { Outcome = outcome, Detail = detail };
        }
    }

    private async Task<Op> BatchAsync(HttpClient http, string client, string room, Plan.ReadPlan step, long next)
    {
        var op = recorder.Begin(client, step.Node, OpKind.Batch, room) with { From = next };
        try
        {
            using var timeout = new CancellationTokenSource(PollTimeout);
            using var response = await http.GetAsync(Url(step.Node, $"/rooms/{room}/messages?from={next}&limit={step.Limit}"), timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            if (response.StatusCode == HttpStatusCode.NoContent) return op with { Outcome = Outcome.Ok, Status = 204, Entries = [], Next = next };
            if (response.StatusCode != HttpStatusCode.OK)
                return op with { Outcome = Refusal(response.StatusCode, body, out var title), Status = (int)response.StatusCode, Detail = title, First = FirstIn(body) };
            var page = JsonDocument.Parse(body).RootElement;
            return op with
            {
                Outcome = Outcome.Ok,
                Status = 200,
                Next = page.GetProperty("next").GetInt64(),
                Entries = [.. page.GetProperty("messages").EnumerateArray().Select(EntryOf)],
            };
        }
        catch (Exception e) when (Failure(e) is var (outcome, detail))
        {
            return op with { Outcome = outcome, Detail = detail };
        }
    }

    /// A message, a removal (`removes`) or a removed message's placeholder (`removedBy`).
    private static Entry EntryOf(JsonElement m) =>
        new(m.GetProperty("index").GetInt64(), m.GetProperty("text").GetString()!, m.GetProperty("author").GetString(), m.GetProperty("time").GetString(),
            RemovedBy: Number(m, "removedBy"), Removes: Number(m, "removes"));

    private static long? Number(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;

    private static long? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) && long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// A 410's `first`: where the room starts now.
    private static long? FirstIn(string problem)
    {
        try { return Number(JsonDocument.Parse(problem).RootElement, "first"); }
        catch (JsonException) { return null; }
    }

    /// One stream connection: from the start (`?from=0`) or resumed after the last event seen (Last-Event-ID), read
    /// until the plan's count or time is reached (closed by the client: ok), or it ends, drops or goes silent
    /// past the keep-alives (unknown). Either way, what it delivered is recorded.
    private async Task<Op> EventsAsync(HttpClient http, string client, string room, Plan.ReadPlan step, long next)
    {
        var op = recorder.Begin(client, step.Node, OpKind.Events, room) with { From = next };
        var entries = new List<Entry>();
        using var connection = new CancellationTokenSource(step.For);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Url(step.Node, $"/rooms/{room}/events?format=json{(next == 0 ? "&from=0" : "")}"));
            if (next > 0) request.Headers.Add("Last-Event-ID", (next - 1).ToString(CultureInfo.InvariantCulture));
            using var headers = new CancellationTokenSource(PollTimeout);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headers.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var body = await response.Content.ReadAsStringAsync(headers.Token);
                return op with { Outcome = Refusal(response.StatusCode, body, out var title), Status = (int)response.StatusCode, Detail = title, First = FirstIn(body) };
            }
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(headers.Token));
            long? id = null;
            string? data = null;
            while (entries.Count < step.Events && !stop.IsCancellationRequested)
            {
                using var silence = CancellationTokenSource.CreateLinkedTokenSource(connection.Token);
                silence.CancelAfter(Silence);
                string? line;
                try { line = await reader.ReadLineAsync(silence.Token); }
                catch (OperationCanceledException) when (connection.IsCancellationRequested) { break; } // its time is up: the client closes it
                if (line is null) return op with { Outcome = Outcome.Unknown, Status = 200, Entries = entries, Detail = "the stream ended" };
                if (line.StartsWith("id: ", StringComparison.Ordinal)) id = long.Parse(line[4..], CultureInfo.InvariantCulture);
                else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
                else if (line.Length == 0 && id is { } at && data is not null)
                {
                    entries.Add(EntryOf(JsonDocument.Parse(data).RootElement) with { Index = at });
                    (id, data) = (null, null);
                }
            }
            return op with { Outcome = Outcome.Ok, Status = 200, Entries = entries, Detail = "closed by the client" };
        }
        catch (Exception e) when (Failure(e) is var (outcome, detail))
        {
            return op with { Outcome = entries.Count > 0 && outcome == Outcome.Failed ? Outcome.Unknown : outcome, Entries = entries, Detail = detail };
        }
    }

    // ---- status ----

    private async Task StatusesAsync(string client)
    {
        using var http = Http();
        var room = Plan.RoomOf(client);
        for (long i = 0; !stop.IsCancellationRequested; i++)
        {
            var step = plan.Read(client, i);
            recorder.Add(await StatusAsync(http, client, room, step.Node));
            await Task.Delay(step.Pause * 4, CancellationToken.None);
        }
    }

    public async Task<Op> StatusAsync(HttpClient http, string client, string room, int node)
    {
        var op = recorder.Begin(client, node, OpKind.Status, room);
        try
        {
            using var timeout = new CancellationTokenSource(PollTimeout);
            using var response = await http.GetAsync(Url(node, $"/rooms/{room}"), timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            if (response.StatusCode != HttpStatusCode.OK) return op with { Outcome = Refusal(response.StatusCode, body, out var title), Status = (int)response.StatusCode, Detail = title };
            var status = JsonDocument.Parse(body).RootElement;
            return op with { Outcome = Outcome.Ok, Status = 200, First = Number(status, "first"), Next = status.GetProperty("next").GetInt64() };
        }
        catch (Exception e) when (Failure(e) is var (outcome, detail))
        {
            return op with { Outcome = outcome, Detail = detail };
        }
    }

    // ---- moderators ----

    /// Each round: the room's status (where it starts and ends), the index its plan aims at, a look at that entry
    /// (a removal is not removed: the contract does not say what that would be), then the removal, tried again on
    /// another node while its outcome is unknown or the store refused it (removing is idempotent).
    private async Task ModerateAllAsync(string client)
    {
        using var http = Http();
        using var removals = Http();
        var token = Tokens.Moderator(["*"], name: $"Mod {client}");
        for (long n = 0; !stop.IsCancellationRequested; n++)
        {
            var removal = plan.Remove(client, n);
            var status = await StatusAsync(http, client, removal.Room, removal.Nodes[0]);
            recorder.Add(status);
            if (status is { Outcome: Outcome.Ok, Next: { } next } && await RemovableAsync(http, $"{client}.look{n}", removal, removal.Target(status.First ?? 0, next)) is { } target)
                for (var attempt = 0; attempt < removal.Nodes.Length; attempt++)
                {
                    var op = await RemoveAsync(removals, client, token, removal.Room, target, removal.Nodes[attempt]);
                    recorder.Add(op);
                    if (op.Outcome == Outcome.Ok || op.Status is >= 400 and < 500 || stop.IsCancellationRequested) break;
                    await Task.Delay(150 + 100 * attempt, CancellationToken.None);
                }
            await Task.Delay(removal.Pause, CancellationToken.None);
        }
    }

    /// The target, unless a look at it (a batch of one, a client of its own: it follows nothing) finds a removal,
    /// or nothing where the status said something was. Past the end or below first, no look: it is to be refused.
    private async Task<long?> RemovableAsync(HttpClient http, string looker, Plan.RemovePlan removal, long target)
    {
        if (removal.Aim is Plan.Aim.PastEnd or Plan.Aim.BelowFirst) return target;
        var look = await BatchAsync(http, looker, removal.Room, new Plan.ReadPlan(removal.Nodes[0], 1, 0, TimeSpan.Zero, TimeSpan.Zero), target);
        recorder.Add(look);
        return look.Entries is [{ Removes: null } entry] && entry.Index == target ? target : null;
    }

    private async Task<Op> RemoveAsync(HttpClient http, string client, string token, string room, long target, int node)
    {
        var op = recorder.Begin(client, node, OpKind.Remove, room) with { Removes = target, Author = $"Mod {client}" };
        using var request = new HttpRequestMessage(HttpMethod.Delete, Url(node, $"{Prefix(room)}/messages/{target}")).With(token);
        // Each removal on a new connection. On a reused one that ends unanswered, HttpClient sends a request without a
        // body again (dotnet/runtime#86714): a refused connect then would hide a removal the node stored as it died.
        request.Headers.ConnectionClose = true;
        try
        {
            using var timeout = new CancellationTokenSource(PostTimeout);
            using var response = await http.SendAsync(request, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            if (response.StatusCode == HttpStatusCode.OK)
                return op with { Outcome = Outcome.Ok, Status = 200, Index = JsonDocument.Parse(body).RootElement.GetProperty("removal").GetInt64() };
            return op with { Outcome = Refusal(response.StatusCode, body, out var title), Status = (int)response.StatusCode, Detail = title, First = FirstIn(body) };
        }
        catch (Exception e) when (Failure(e) is var (outcome, detail))
        {
            return op with { Outcome = outcome, Detail = detail };
        }
    }

    // ---- the audit ----

    /// After the run, with every fault healed: each node reads each room from its first to its end, in pages (a
    /// trim meanwhile answers 410 with the new first: the audit goes on from there). A node may still be reconnecting
    /// to Redis: each read is tried again for a while (every attempt is in the history).
    public async Task AuditAsync()
    {
        using var http = Http();
        for (var node = 0; node < cluster.Count; node++)
            foreach (var room in Plan.Rooms)
            {
                var client = $"audit-n{node}";
                var status = await UntilOkAsync(() => StatusAsync(http, client, room, node), $"the status of {room} on node {node}");
                for (var from = status.First ?? 0; from < status.Next;)
                {
                    var at = from;
                    var page = await UntilOkAsync(() => BatchAsync(http, client, room, new Plan.ReadPlan(node, 1000, 0, TimeSpan.Zero, TimeSpan.Zero), at), $"{room} from {from} on node {node}");
                    from = page.First is { } first && first > from ? first : page.Entries![^1].Index + 1;
                }
            }
    }

    private async Task<Op> UntilOkAsync(Func<Task<Op>> read, string what)
    {
        for (var attempt = 0; ; attempt++)
        {
            var op = await read();
            recorder.Add(op);
            if (op.Outcome == Outcome.Ok && (op.Kind != OpKind.Batch || op.Entries is [_, ..])) return op; // a page of a node still catching up may be empty
            if (op.Status == 410 && op.First is not null) return op;                                      // trimmed meanwhile: go on from first
            if (attempt == 60) throw new InvalidOperationException($"the audit could not read {what}: {op}");
            await Task.Delay(500);
        }
    }

    /// Several nodes: waits (bounded) until every node says the same `next` for every room, so that the audit
    /// reads whole rooms everywhere (a node that just reconnected may still be catching up).
    public async Task<bool> SettleAsync(TimeSpan bound)
    {
        using var http = Http();
        var deadline = DateTime.UtcNow + bound;
        while (DateTime.UtcNow < deadline)
        {
            var nexts = new HashSet<(string, long?)>();
            for (var node = 0; node < cluster.Count; node++)
                foreach (var room in Plan.Rooms)
                {
                    var status = await StatusAsync(http, "settle", room, node);
                    nexts.Add((room, status.Next));
                }
            if (nexts.Count == Plan.Rooms.Length && nexts.All(n => n.Item2 is not null)) return true;
            await Task.Delay(200);
        }
        return false;
    }
}
