using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace Chat.Specs.Http;

/// Runs alone: its timing (a held poll's 204, a server's silence) must not share the two cores with other specs.
[CollectionDefinition("differential", DisableParallelization = true)]
public sealed class DifferentialCollection;

/// The held-poll path on Kestrel's transport (`Chat:TransportPath`) answers exactly as Kestrel's own pipeline does, or
/// leaves the request to it: two real servers, one with the path and one without, hold the same messages (same clock)
/// and get the same thousands of request streams, seeded mutations of a corpus; per stream, every response (status
/// line, headers with Date's value aside, body) and whether the server closed the connection must be the same.
/// CHAT_DIFF_SEED replays a run; CHAT_DIFF_STREAMS sets how many streams it sends; CHAT_DIFF_SHOW=text prints the
/// answers to every stream whose name holds the text (`CHAT_DIFF_SHOW=TLS`).
[Collection("differential")]
public sealed class TransportPathDifferentialSpecs(ITestOutputHelper output)
{
    private const string PollTimeout = "--Chat:PollTimeout=00:00:00.3";

    /// Quiet and Wait well apart from the poll timeout (0.3 s), Kestrel's header timeout (10 s) and body grace (5 s).
    private static readonly Timing Timing = new(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));

    /// Streams at once; mismatches before the run stops (each is looked at three times), and reported in full.
    private const int AtOnce = 32, MostMismatches = 20, Reported = 3;

    /// About 10 ms a stream here; the budget is ten times that, and two minutes at least.
    private static TimeSpan Budget(int streams) => TimeSpan.FromSeconds(Math.Max(120, streams / 10.0));

    private sealed record Servers(ChatServer On, ChatServer Off);

    private static readonly string? Show = Environment.GetEnvironmentVariable("CHAT_DIFF_SHOW") is { Length: > 0 } show ? show : null;

    [Fact]
    public async Task Both_paths_answer_every_request_stream_alike()
    {
        var seed = Environment.GetEnvironmentVariable("CHAT_DIFF_SEED") is { Length: > 0 } s ? int.Parse(s, CultureInfo.InvariantCulture) : Random.Shared.Next();
        var count = Environment.GetEnvironmentVariable("CHAT_DIFF_STREAMS") is { Length: > 0 } n ? int.Parse(n, CultureInfo.InvariantCulture) : 2500;
        output.WriteLine($"seed {seed}, {count} streams; replay: CHAT_DIFF_SEED={seed} dotnet test Specs --filter FullyQualifiedName~{nameof(TransportPathDifferentialSpecs)}");

        var clock = new StoppedClock(DateTimeOffset.Parse("2026-12-01T09:30:00.123Z", CultureInfo.InvariantCulture));
        await using var on = await ChatServer.StartAsync(clock, "--Chat:TransportPath=true", PollTimeout);
        await using var off = await ChatServer.StartAsync(clock, "--Chat:TransportPath=false", PollTimeout);
        var servers = new Servers(on, off);
        var rooms = await SeedAsync(servers, clock);

        // Posts first, each stream in a room of its own; then reads only, so the rooms stand still while they run.
        var random = new Random(seed);
        var posts = Enumerable.Range(0, count / 8)
            .Select(i => new RequestMutator(random, RequestCorpus.Posts($"p{i}-{random.Next():x8}")).Next()).ToList();
        var reads = new RequestMutator(random, RequestCorpus.Reads(rooms));
        var streams = posts.Concat(Enumerable.Range(0, count - posts.Count).Select(_ => reads.Next())).ToList();

        var elapsed = Stopwatch.StartNew();
        var result = new Result();
        using var stop = new CancellationTokenSource(Budget(count));
        await RunAsync(servers, streams, 0..posts.Count, result, seed, stop);
        if (result.Mismatches.IsEmpty) // else the rooms may differ, and the reads would only say so again
        {
            await SameRoomsAsync(servers);
            await RunAsync(servers, streams, posts.Count..streams.Count, result, seed, stop);
        }
        output.WriteLine($"{result.Sent} streams sent to each server in {elapsed.Elapsed.TotalSeconds:F1} s; {result.Sent - result.Mismatches.Count} answered alike");
        output.WriteLine($"first answers: {string.Join(", ", result.Statuses.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} x{p.Value}"))}");
        foreach (var flaky in result.Flaky) output.WriteLine($"alike only on a second look: {flaky}");
        foreach (var error in result.Errors.Take(5)) output.WriteLine($"a 500 (Chat:TransportPath=false): {error}");
        foreach (var shown in result.Shown) output.WriteLine(shown);

        var mismatches = result.Mismatches.OrderBy(m => m.Index).ToList();
        foreach (var (index, stream, _) in mismatches) output.WriteLine($"answered differently: stream {index}, {stream}");
        Assert.True(mismatches.Count == 0, $"seed {seed}: {mismatches.Count} of {result.Sent} streams were answered differently"
            + $"{(mismatches.Count >= MostMismatches ? " (the run stopped there)" : "")}; the first:\n\n" + string.Join("\n\n", mismatches.Take(Reported).Select(m => m.Report)));
        Assert.True(result.Sent >= Math.Min(count, 500), $"only {result.Sent} of {count} streams sent within {Budget(count).TotalSeconds} s (seed {seed})");
    }

    /// What a run saw, counted from every stream at once.
    private sealed class Result
    {
        private int _sent;
        public int Sent => _sent;
        public void Count() => Interlocked.Increment(ref _sent);
        public ConcurrentQueue<(int Index, string Stream, string Report)> Mismatches { get; } = new();
        public ConcurrentQueue<string> Flaky { get; } = new();
        public ConcurrentQueue<string> Errors { get; } = new();
        public ConcurrentQueue<string> Shown { get; } = new();
        public ConcurrentDictionary<string, int> Statuses { get; } = new();
    }

    /// The streams in <paramref name="range"/>, each to both servers at once, <see cref="AtOnce"/> streams at a time,
    /// until <paramref name="stop"/> (the budget, or a few mismatches to report).
    private static async Task RunAsync(Servers servers, List<RequestStream> streams, Range range, Result result, int seed, CancellationTokenSource stop)
    {
        var (first, length) = range.GetOffsetAndLength(streams.Count);
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(first, length).Select(i => (Stream: streams[i], Index: i)),
                new ParallelOptions { MaxDegreeOfParallelism = AtOnce, CancellationToken = stop.Token }, async (item, _) =>
                {
                    var (on, off) = await BothAsync(servers, item.Stream, Timing);
                    result.Count();
                    result.Statuses.AddOrUpdate(InShort(off), 1, (_, v) => v + 1);
                    if (Show is { } show && item.Stream.Name.Contains(show, StringComparison.Ordinal))
                        result.Shown.Enqueue($"{item.Stream.Name}:\n{Http1Framing.Escape(item.Stream.Bytes, 600)}\n--- on:\n{on}\n--- off:\n{off}");
                    if (off.Contains("HTTP/1.1 500", StringComparison.Ordinal)) result.Errors.Enqueue($"{item.Stream.Name}:\n{Http1Framing.Escape(item.Stream.Bytes, 600)}\n{off}");
                    if (on == off) return;
                    // A second and third look, more patient: a difference that goes away was the machine's timing.
                    for (var look = 0; look < 2; look++)
                    {
                        var (on2, off2) = await BothAsync(servers, item.Stream, Timing.Patient);
                        if (on2 != off2) continue;
                        result.Flaky.Enqueue($"{item.Stream.Name} (first: on {InShort(on)}, off {InShort(off)})");
                        return;
                    }
                    result.Mismatches.Enqueue((item.Index, item.Stream.Name, Report(seed, item.Index, item.Stream, servers, on, off)));
                    if (result.Mismatches.Count >= MostMismatches) await stop.CancelAsync();
                });
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Out of budget or enough mismatches to report: what was sent is judged.
        }
    }

    private static async Task<(string On, string Off)> BothAsync(Servers servers, RequestStream stream, Timing timing)
    {
        var on = RawConversation.RunAsync(servers.On.Address, stream, timing);
        var off = RawConversation.RunAsync(servers.Off.Address, stream, timing);
        return ((await on).Canonical, (await off).Canonical);
    }

    /// A stream's first answer in short, for the run's tally: its status, and whether the server closed the connection.
    private static string InShort(string canonical)
    {
        var end = canonical.EndsWith("closed by the server", StringComparison.Ordinal) ? "closed" : "open";
        return canonical.StartsWith("HTTP/", StringComparison.Ordinal) ? $"{canonical.Split(' ', 3)[1]} {end}" : $"no answer, {end}";
    }

    /// The stream and both answers, the first line that differs picked out; long lines and answers clipped.
    private static string Report(int seed, int index, RequestStream stream, Servers servers, string on, string off)
    {
        var (a, b) = (on.Split('\n'), off.Split('\n'));
        var line = Enumerable.Range(0, Math.Max(a.Length, b.Length)).First(i => i >= a.Length || i >= b.Length || a[i] != b[i]);
        static string Clip(string line) => line.Length <= 300 ? line : line[..150] + $"…[{line.Length - 300} chars]…" + line[^150..];
        static string Lines(string[] lines) =>
            string.Join("\n", lines.Length <= 120 ? lines.Select(Clip) : lines[..60].Select(Clip).Append($"…[{lines.Length - 120} lines]…").Concat(lines[^60..].Select(Clip)));
        return $"""
            seed {seed}, stream {index}: {stream.Name}
            its {stream.Bytes.Length} bytes, {stream.HowSent}:
            {Lines(Http1Framing.Escape(stream.Bytes, 3000).Split('\n'))}
            first difference, line {line + 1} of the answers:
              on:  {(line < a.Length ? Clip(a[line]) : "(nothing)")}
              off: {(line < b.Length ? Clip(b[line]) : "(nothing)")}
            --- Chat:TransportPath=true ({servers.On.Address}) answered:
            {Lines(a)}
            --- Chat:TransportPath=false ({servers.Off.Address}) answered:
            {Lines(b)}
            """;
    }

    /// Both servers list the same rooms at the same next index, twice in a row: a post a slow server was still storing
    /// when its stream gave up waiting has landed, and the reads that follow see rooms that stand still.
    private static async Task SameRoomsAsync(Servers servers)
    {
        using var onClient = servers.On.Client();
        using var offClient = servers.Off.Client();
        var previous = "";
        await Wire.UntilAsync(async () => (On: await RoomsAsync(onClient), Off: await RoomsAsync(offClient)), rooms =>
        {
            var stable = rooms.On == rooms.Off && rooms.On == previous;
            previous = rooms.On == rooms.Off ? rooms.On : "";
            return stable;
        }, rooms => $"after the posts, the servers list different rooms:\non:  {rooms.On}\noff: {rooms.Off}");
    }

    /// Every room with messages and its next index, a page at a time (bounded).
    private static async Task<string> RoomsAsync(HttpClient client)
    {
        var rooms = new List<string>();
        string? after = "";
        for (var page = 0; page < 100 && after is not null; page++)
        {
            var listing = await client.GetFromJsonAsync<Listing>($"/rooms?limit=1000&after={Uri.EscapeDataString(after)}").WaitAsync(Wire.Bound);
            rooms.AddRange(listing!.Rooms.Select(r => $"{r.Room}:{r.Next}"));
            after = listing.After;
        }
        return string.Join(",", rooms);
    }

    private sealed record Listing(List<ListedRoom> Rooms, string? After);

    private sealed record ListedRoom(string Room, long Next);

    /// The same messages in the same order on both servers, each stamped by the shared clock: a few in `chat` (ASCII,
    /// markup and an emoji, a single space, lines, a long one of two-byte characters), a few in a named room (a NUL, CJK,
    /// form-significant characters), and one in a room few requests touch. Both servers stored every post.
    private static async Task<RequestCorpus.Rooms> SeedAsync(Servers servers, StoppedClock clock)
    {
        (string Room, string Text, string? Name)[] messages =
        [
            ("chat", "hello", null),
            ("chat", "Hello, <b>world</b> \U0001F600", null),
            ("chat", "x", "Ann"),
            ("chat", "line one\nline two\r\n", null),
            ("chat", " ", null),
            ("chat", new string('é', 1500), "Bob"),
            ("r1", "first in r1", null),
            ("r1", "a\0b", "Ann"),
            ("r1", "名前 & +=%", null),
            ("quiet", "nobody polls here", null),
        ];
        using var onClient = servers.On.Client();
        using var offClient = servers.Off.Client();
        foreach (var (room, text, name) in messages)
        {
            foreach (var client in new[] { onClient, offClient })
            {
                var form = new FormUrlEncodedContent(name is null ? [new("message", text)] : [new("message", text), new("name", name)]);
                using var posted = await client.PostAsync(room == "chat" ? "/chat/post" : $"/rooms/{room}/post", form).WaitAsync(Wire.Bound);
                Assert.Equal(System.Net.HttpStatusCode.Created, posted.StatusCode);
            }
            clock.Advance(TimeSpan.FromSeconds(1));
        }
        using var first = await offClient.GetAsync("/chat/get/0").WaitAsync(Wire.Bound);
        return new RequestCorpus.Rooms(messages.Count(m => m.Room == "chat"), "r1", messages.Count(m => m.Room == "r1"), "quiet", first.Headers.ETag!.ToString());
    }
}
