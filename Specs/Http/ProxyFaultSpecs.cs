using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace Chat.Specs.Http;

/// The deployment users run, end to end: posters and followers of every kind (the seed loop, batch catch-up, an
/// event stream) talk only to nginx, which spreads every request over three nodes with no stickiness. Mid-run each
/// node in turn is killed (kill -9) or stopped (SIGTERM, a rolling restart) and started again, so whichever node
/// holds a follower's poll or stream goes away under it. Every follower must end with the same complete sequence, each
/// poster's order kept, nothing twice, and no client may meet an error it could not retry.
public sealed class ProxyFaultSpecs(ITestOutputHelper output)
{
    private const int Posters = 4, PostsEach = 60, Total = Posters * PostsEach;

    public enum Fault { None, KillEachNode, RollingRestart }

    [Theory]
    [InlineData(Fault.None)]
    [InlineData(Fault.KillEachNode)]
    [InlineData(Fault.RollingRestart)]
    public async Task Every_follower_behind_the_proxy_sees_one_complete_sequence_through_node_restarts(Fault fault)
    {
        await using var cluster = await ProxiedCluster.StartAsync("--Chat:PollTimeout=00:00:05");
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var journal = new Journal();
        var followers = new[]
        {
            FollowSeedAsync(cluster.Client("127.0.0.10"), journal, bound.Token),
            FollowBatchAsync(cluster.Client("127.0.0.11"), journal, bound.Token),
            FollowEventsAsync(cluster.Client("127.0.0.12"), journal, bound.Token),
        };
        var posters = Enumerable.Range(0, Posters).Select(p => PostAllAsync(cluster.Client($"127.0.0.{2 + p}"), p, journal, bound.Token)).ToList();

        while (journal.Acknowledged < Total / 6) await Task.Delay(5, bound.Token); // strike mid-run
        var restarts = new List<TimeSpan>();
        for (var n = 0; n < 3 && fault != Fault.None; n++)
        {
            var clock = Stopwatch.StartNew();
            await (fault == Fault.KillEachNode ? cluster.KillAndRestartAsync(n) : cluster.TerminateAndRestartAsync(n));
            restarts.Add(clock.Elapsed);
        }
        var acknowledgedThrough = journal.Acknowledged;
        await Task.WhenAll(posters);
        var sequences = await Task.WhenAll(followers);

        output.WriteLine($"{fault}: nodes back after {string.Join(", ", restarts.Select(r => $"{r.TotalMilliseconds:F0}"))} ms " +
                         $"({acknowledgedThrough} of {Total} posts acknowledged by then); posts retried {journal.PostRetries}, " +
                         $"follower retries {journal.FollowRetries}; longest wait between two messages per follower: " +
                         string.Join(", ", journal.LongestGaps.Select(g => $"{g.Key} {g.Value.TotalMilliseconds:F0} ms")));
        Assert.Empty(journal.Unretryable);
        Assert.All(sequences, s => Assert.Equal(sequences[0], s));
        Assert.Equal(Total, sequences[0].Count);
        Assert.Equal(Total, sequences[0].Distinct().Count());
        for (var p = 0; p < Posters; p++)
        {
            var mine = sequences[0].Where(m => m.StartsWith($"p{p}-", StringComparison.Ordinal)).ToList();
            Assert.Equal(mine.Order(StringComparer.Ordinal), mine);
        }
    }

    /// What the clients met, kept so that a failure says what happened.
    private sealed class Journal
    {
        public int Acknowledged;
        public int PostRetries;
        public int FollowRetries;
        public ConcurrentQueue<string> Unretryable { get; } = new();
        public ConcurrentDictionary<string, TimeSpan> LongestGaps { get; } = new();

        public void Gap(string who, TimeSpan gap) => LongestGaps.AddOrUpdate(who, gap, (_, g) => g > gap ? g : gap);
    }

    /// Each post once, in order, with one Idempotency-Key per message: after a 429, a 5xx or a dropped connection
    /// (nginx never repeats a POST) the same key is sent again, so a post whose answer was lost is stored once.
    private static Task PostAllAsync(HttpClient client, int p, Journal journal, CancellationToken cancel) => Task.Run(async () =>
    {
        using var _ = client;
        for (var i = 0; i < PostsEach; i++)
        {
            var text = $"p{p}-{i:D2}";
            while (true)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/chat/post") { Content = new FormUrlEncodedContent([new("message", text)]) };
                    request.Headers.Add("Idempotency-Key", text);
                    using var response = await client.SendAsync(request, cancel);
                    if (response.StatusCode == HttpStatusCode.Created) { Interlocked.Increment(ref journal.Acknowledged); break; }
                    if (response.StatusCode != HttpStatusCode.TooManyRequests && (int)response.StatusCode < 500)
                    {
                        journal.Unretryable.Enqueue($"post {text}: {(int)response.StatusCode}");
                        return;
                    }
                }
                catch (HttpRequestException) { }
                Interlocked.Increment(ref journal.PostRetries);
                await Task.Delay(50, cancel);
            }
            await Task.Delay(60, cancel); // paced, so that the fault strikes while posts are still coming
        }
    }, cancel);

    /// The seed's own loop: GET /chat/get/N, N+1 after a message, N again after a 204 or an error.
    private static Task<List<string>> FollowSeedAsync(HttpClient client, Journal journal, CancellationToken cancel) =>
        FollowAsync("seed", client, journal, cancel, async seen =>
        {
            using var response = await client.GetAsync($"/chat/get/{seen.Count}", cancel);
            if (response.StatusCode == HttpStatusCode.OK) return [await response.Content.ReadAsStringAsync(cancel)];
            return response.StatusCode == HttpStatusCode.NoContent ? [] : Refused(response);
        });

    /// Catch-up in batches: every message from N on, long-polling at the end of the room.
    private static Task<List<string>> FollowBatchAsync(HttpClient client, Journal journal, CancellationToken cancel) =>
        FollowAsync("batch", client, journal, cancel, async seen =>
        {
            using var response = await client.GetAsync($"/rooms/chat/messages?from={seen.Count}", cancel);
            if (response.StatusCode == HttpStatusCode.NoContent) return [];
            if (response.StatusCode != HttpStatusCode.OK) return Refused(response);
            var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel)).RootElement;
            var messages = page.GetProperty("messages").EnumerateArray().ToList();
            for (var i = 0; i < messages.Count; i++)
                if (messages[i].GetProperty("index").GetInt64() != seen.Count + i) throw new InvalidDataException($"batch from {seen.Count} has index {messages[i].GetProperty("index")} at {i}");
            return [.. messages.Select(m => m.GetProperty("text").GetString()!)];
        });

    /// An event stream, resumed with Last-Event-ID after it drops (a killed node, a stopped one).
    private static Task<List<string>> FollowEventsAsync(HttpClient client, Journal journal, CancellationToken cancel)
    {
        SseReader? stream = null;
        return FollowAsync("events", client, journal, cancel, async seen =>
        {
            try
            {
                stream ??= await SseReader.OpenAsync(client, "/chat/events?from=0", seen.Count == 0 ? null : (seen.Count - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (stream.Response.StatusCode != HttpStatusCode.OK) { var refused = Refused(stream.Response); await stream.DisposeAsync(); stream = null; return refused; }
                var (id, data) = await stream.NextAsync(cancel);
                if (id != seen.Count) throw new InvalidDataException($"event {id} where {seen.Count} was next");
                return [data];
            }
            catch (Exception e) when (e is not InvalidDataException)
            {
                if (stream is not null) await stream.DisposeAsync();
                stream = null;
                throw new HttpRequestException("the stream dropped", e);
            }
        });
    }

    private static List<string> Refused(HttpResponseMessage response) =>
        (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests
            ? throw new HttpRequestException($"{(int)response.StatusCode}") // retried
            : throw new InvalidDataException($"{(int)response.StatusCode} {response.RequestMessage?.RequestUri}");

    /// One follower's loop: asks <paramref name="next"/> for what follows what it has seen, until it has every
    /// message; retries after an error it may retry, records one it may not (and stops).
    private static Task<List<string>> FollowAsync(string who, HttpClient client, Journal journal, CancellationToken cancel, Func<List<string>, Task<List<string>>> next) => Task.Run(async () =>
    {
        using var _ = client;
        var seen = new List<string>();
        var last = Stopwatch.StartNew();
        while (seen.Count < Total)
        {
            try
            {
                var got = await next(seen);
                if (got.Count == 0) continue;
                if (seen.Count > 0) journal.Gap(who, last.Elapsed);
                seen.AddRange(got);
                last.Restart();
            }
            catch (InvalidDataException e) { journal.Unretryable.Enqueue($"{who}: {e.Message}"); break; }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested)
            {
                Interlocked.Increment(ref journal.FollowRetries);
                await Task.Delay(50, cancel);
            }
        }
        return seen;
    }, cancel);
}
