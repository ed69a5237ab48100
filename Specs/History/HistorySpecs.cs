using Xunit.Abstractions;

namespace Chat.Specs.History;

/// Runs one after another (they share the machine's two cores with every other spec).
[CollectionDefinition("history", DisableParallelization = true)]
public sealed class HistoryCollection;

/// The running service agrees with the model "each room is an append-only log" under faults, Jepsen-style: a
/// history of concurrent HTTP clients against real Host processes, with a nemesis striking from the same seed, is
/// judged by <see cref="Checker"/>. Short here (CHAT_HISTORY_SECONDS, 20 s by default); a soak is the same command
/// with a longer length (docs/verification.md). A failing run writes its history and prints the path;
/// <see cref="RejudgeSpecs"/> judges a saved one again.
[Collection("history")]
public sealed class HistorySpecs(ITestOutputHelper output)
{
    // The default seeds plan every fault of their menu within 20 s (PlanSpecs checks it).
    [Fact]
    public Task One_node_on_SQLite_through_kill_9_SIGTERM_and_an_unwritable_store() => RunAsync(Topology.Solo, defaultSeed: 1);

    [Fact]
    public Task Three_nodes_over_Redis_through_kill_9_dropped_links_a_stopped_and_a_restarted_Redis() => RunAsync(Topology.Shared, defaultSeed: 75);

    [Fact]
    public Task Three_nodes_over_a_Redis_Cluster_through_a_killed_master_and_a_reshard() => RunAsync(Topology.Sharded, defaultSeed: 771);

    private async Task RunAsync(Topology topology, int defaultSeed)
    {
        var settings = Scenario.Settings.FromEnvironment(defaultSeed);
        var result = await Scenario.RunAsync(topology, settings, output.WriteLine);
        output.WriteLine($"seed {settings.Seed}: {result.Summary}");
        var path = result.Violations.Count > 0 || settings.Keep ? Scenario.Save(result, settings) : null;
        if (path is not null) output.WriteLine($"history written to {path}");
        Assert.True(result.Violations.Count == 0,
            $"seed {settings.Seed} ({topology}): {result.Violations.Count} violations; history in {path}\n" +
            $"judge it again: CHAT_HISTORY_FILE={path} dotnet test Specs --filter FullyQualifiedName~RejudgeSpecs\n" +
            $"replay the run: CHAT_HISTORY_SEED={settings.Seed} CHAT_HISTORY_SECONDS={settings.Length.TotalSeconds} dotnet test Specs --filter FullyQualifiedName~{nameof(HistorySpecs)}\n" +
            Scenario.Report(result.History, result.Violations));
        Assert.True(result.History.Count(op => op.Kind == OpKind.Post && op.Outcome == Outcome.Ok) > 50, $"too few posts acknowledged to judge: {result.Summary}");
        Assert.NotEmpty(result.Faults);
        Assert.True(result.History.Count(op => op is { Kind: OpKind.Remove, Outcome: Outcome.Ok }) > 5, $"too few removals acknowledged to judge: {result.Summary}");
        Assert.True(result.History.Any(op => op.IsRead && op.First > 0), $"no reader met a trim (lobby keeps its last {Cluster.KeepLast}): {result.Summary}");
        if (result.Faults.Any(f => f.Contains("Unwritable", StringComparison.Ordinal) && !f.Contains("skipped", StringComparison.Ordinal)))
            Assert.True(result.History.Any(op => op is { Kind: OpKind.Post, Status: 503, Detail: "Not stored" }),
                $"the store was made unwritable, yet no post met it (none answered 503 Not stored): {result.Summary}");
    }
}

/// The same seed plans the same run: the faults and every client's operations.
public sealed class PlanSpecs
{
    [Theory]
    [InlineData(Topology.Solo)]
    [InlineData(Topology.Shared)]
    [InlineData(Topology.Sharded)]
    public void The_same_seed_plans_the_same_operations_and_faults(Topology topology)
    {
        var cast = Clients.Cast.For(topology);
        string Describe(int seed) => new Plan(seed, topology, TimeSpan.FromSeconds(60)).Describe(cast.Posters, cast.Followers, first: 50);
        Assert.Equal(Describe(42), Describe(42));
        Assert.NotEqual(Describe(42), Describe(43));
        Assert.NotEmpty(new Plan(42, topology, TimeSpan.FromSeconds(60)).Faults());
    }

    [Theory]
    [InlineData(Topology.Solo, 1)]
    [InlineData(Topology.Shared, 75)]
    [InlineData(Topology.Sharded, 771)]
    public void The_default_seeds_plan_every_fault_in_a_short_run(Topology topology, int seed)
    {
        var kinds = new Plan(seed, topology, TimeSpan.FromSeconds(20)).Faults().Select(f => f.Kind).ToHashSet();
        Plan.FaultKind[] menu = topology switch
        {
            Topology.Solo => [Plan.FaultKind.Kill, Plan.FaultKind.Terminate, Plan.FaultKind.Unwritable],
            Topology.Shared => [Plan.FaultKind.Kill, Plan.FaultKind.KillLinks, Plan.FaultKind.PauseRedis, Plan.FaultKind.RestartRedis],
            _ => [Plan.FaultKind.Kill, Plan.FaultKind.KillLinks, Plan.FaultKind.KillMaster, Plan.FaultKind.Reshard],
        };
        Assert.Equal(menu, Plan.Menu(topology));
        Assert.All(menu, kind => Assert.Contains(kind, kinds));
    }
}

/// Judges a saved history again, on its own: `CHAT_HISTORY_FILE=path dotnet test Specs --filter FullyQualifiedName~RejudgeSpecs`.
/// Without the variable it judges a history with a violation planted in it, so that reading a file stays tested.
public sealed class RejudgeSpecs(ITestOutputHelper output)
{
    [Fact]
    public void A_saved_history_is_judged_again()
    {
        if (Environment.GetEnvironmentVariable("CHAT_HISTORY_FILE") is { Length: > 0 } path)
        {
            var history = HistoryFile.Read(path);
            var violations = Checker.Check(history);
            output.WriteLine(Scenario.Summarize(history, violations));
            Assert.True(violations.Count == 0, $"{path}: {violations.Count} violations\n{Scenario.Report(history, violations, most: 50)}");
            return;
        }
        var sample = ModelHistory.Generate(5, 1000);
        var lost = sample.First(op => op.Kind == OpKind.Post && op.Outcome == Outcome.Ok && op.Room == "r0");
        var planted = Path.Combine(Path.GetTempPath(), $"chat-history-planted-{Environment.ProcessId}.jsonl");
        try
        {
            HistoryFile.Write(planted, sample.Select(op => op.Id == lost.Id ? op with { Index = op.Index + 1000 } : op));
            var violations = Checker.Check(HistoryFile.Read(planted));
            Assert.Contains(violations, v => v.Rule == "acknowledged post at its index" && v.Ops.Contains(lost.Id));
        }
        finally { File.Delete(planted); }
    }
}
