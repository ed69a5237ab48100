using System.Globalization;

namespace Chat.Specs.History;

/// One run: the cluster started, the clients and the nemesis on the plan of the seed for its length, then every
/// fault healed, the nodes settled, every room audited from every node, and the history judged.
public static class Scenario
{
    /// CHAT_HISTORY_SEED (a number, or `random`), CHAT_HISTORY_SECONDS (the load's length), CHAT_HISTORY_KEEP=1 (write
    /// the history even when it passes), CHAT_HISTORY_DIR (where histories are written; the temp folder by default).
    public sealed record Settings(int Seed, TimeSpan Length, bool Keep, string Folder)
    {
        public static Settings FromEnvironment(int defaultSeed, int defaultSeconds = 20)
        {
            var seed = Environment.GetEnvironmentVariable("CHAT_HISTORY_SEED") switch
            {
                null or "" => defaultSeed,
                "random" => Random.Shared.Next(),
                var s => int.Parse(s, CultureInfo.InvariantCulture),
            };
            var seconds = Environment.GetEnvironmentVariable("CHAT_HISTORY_SECONDS") is { Length: > 0 } t ? double.Parse(t, CultureInfo.InvariantCulture) : defaultSeconds;
            return new Settings(seed, TimeSpan.FromSeconds(seconds), Environment.GetEnvironmentVariable("CHAT_HISTORY_KEEP") == "1",
                Environment.GetEnvironmentVariable("CHAT_HISTORY_DIR") is { Length: > 0 } dir ? dir : Path.GetTempPath());
        }
    }

    public sealed record Result(Plan Plan, List<Op> History, IReadOnlyList<Violation> Violations, List<string> Faults, string Summary);

    public static async Task<Result> RunAsync(Topology topology, Settings settings, Action<string> log)
    {
        var plan = new Plan(settings.Seed, topology, settings.Length);
        var cast = Clients.Cast.For(topology);
        log($"history run: {plan.Describe(cast.Posters, cast.Followers)}");
        var unwritable = topology == Topology.Solo ? await Cluster.WhyStoresCannotFreezeAsync() : null;
        if (unwritable is not null) log($"the unwritable store is skipped here: {unwritable}");

        await using var cluster = await Cluster.StartAsync(topology);
        var recorder = new Recorder();
        using var stop = new CancellationTokenSource();
        var clients = new Clients(plan, cluster, recorder, stop.Token);
        var load = clients.RunAsync(cast);
        var faults = await Nemesis.RunAsync(plan, cluster, recorder, unwritable);
        log($"faults done: {string.Join("; ", faults)}");
        var rest = settings.Length - TimeSpan.FromMicroseconds(recorder.Now);
        if (rest > TimeSpan.Zero) await Task.Delay(rest);
        await stop.CancelAsync();
        await load.WaitAsync(TimeSpan.FromSeconds(60)); // each request is bounded by its own timeout

        await cluster.HealAsync();
        if (topology != Topology.Solo && !await clients.SettleAsync(TimeSpan.FromSeconds(20)))
            log("the nodes did not settle on one `next` within 20 s: the audit reads what each has");
        await clients.AuditAsync();

        var history = recorder.History();
        var violations = Checker.Check(history);
        return new Result(plan, history, violations, faults, Summarize(history, violations));
    }

    public static string Summarize(IReadOnlyList<Op> history, IReadOnlyList<Violation> violations)
    {
        var posts = history.Where(op => op.Kind == OpKind.Post).ToList();
        var logical = LogicalPost.Of(history);
        string Outcomes(IEnumerable<Op> ops) => string.Join(", ", ops.GroupBy(op => op.Outcome).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}"));
        var reads = history.Where(op => op.IsRead && !op.Client.StartsWith("audit", StringComparison.Ordinal)).ToList();
        var faults = history.Where(op => op.Kind == OpKind.Fault).ToList();
        IEnumerable<string> Why(Outcome outcome) => posts.Where(p => p.Outcome == outcome)
            .GroupBy(p => p.Status is { } s ? $"{s} {p.Detail}".Trim() : p.Detail?.Split(':')[0] ?? "?").Select(g => $"{g.Count()} {g.Key}");
        var rooms = history.Where(op => op.Client.StartsWith("audit-n0", StringComparison.Ordinal) && op.Kind == OpKind.Status)
            .Select(op => $"{op.Room} {(op.First is > 0 ? $"{op.First}.." : "")}{op.Next}");
        var removals = history.Where(op => op.Kind == OpKind.Remove).ToList();
        return $"{history.Count} operations; posts: {posts.Count} attempts ({Outcomes(posts)}; refused: {string.Join(", ", Why(Outcome.Failed))}; unknown: {string.Join(", ", Why(Outcome.Unknown))}) " +
               $"for {logical.Count} messages ({logical.Count(p => p.Acknowledged.Count > 0)} acknowledged, {logical.Count(p => p.Attempts.Count > 1)} retried); " +
               $"reads: {string.Join(", ", reads.GroupBy(op => op.Kind).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()} ({Outcomes(g)})"))}, " +
               $"{reads.Sum(op => op.Entries?.Count ?? 0)} messages delivered ({reads.Sum(op => op.Entries?.Count(e => !e.IsMessage) ?? 0)} removals or placeholders); " +
               $"told first: {reads.Count(op => op.First > 0)} reads; statuses: {history.Count(op => op.Kind == OpKind.Status)}; " +
               $"removals: {removals.Count} attempts ({string.Join("; ", new[] { Outcomes(removals), string.Join(", ", removals.Where(r => r.Status is >= 400 and < 500).GroupBy(r => r.Status).Select(g => $"{g.Count()} {g.Key}")) }.Where(t => t.Length > 0))}) " +
               $"for {LogicalRemoval.Of(history).Count} messages; " +
               $"faults: {faults.Count} ({string.Join(", ", faults.GroupBy(f => f.Detail!.Split(' ')[1]).Select(g => $"{g.Count()} {g.Key}"))}); " +
               $"rooms at the end: {string.Join(", ", rooms)}; violations: {violations.Count}";
    }

    /// Writes the history as JSON lines; returns the path.
    public static string Save(Result result, Settings settings)
    {
        var path = Path.Combine(settings.Folder, $"chat-history-{result.Plan.Topology.ToString().ToLowerInvariant()}-seed{result.Plan.Seed}-{DateTime.UtcNow:yyyyMMdd'T'HHmmss}.jsonl");
        HistoryFile.Write(path, result.History);
        return path;
    }

    public static string Report(IReadOnlyList<Op> history, IReadOnlyList<Violation> violations, int most = 20)
    {
        var byId = history.ToDictionary(op => op.Id);
        return string.Join("\n", violations.Take(most).Select(v => v.Describe(byId))) + (violations.Count > most ? $"\n... and {violations.Count - most} more" : "");
    }
}
