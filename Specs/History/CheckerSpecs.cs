using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Chat.Specs.History;

/// The checker is tested before it judges the service: correct histories of thousands of operations pass, and each
/// kind of violation planted in one of them is caught, by the rule that names it and with the operations involved.
public sealed class CheckerSpecs
{
    private const int Operations = 4000;

    private static string Report(IReadOnlyList<Op> history, IReadOnlyList<Violation> violations)
    {
        var byId = history.ToDictionary(op => op.Id);
        return string.Join("\n", violations.Take(5).Select(v => v.Describe(byId)));
    }

    [Property(MaxTest = 20)]
    public Property A_correct_history_of_thousands_of_operations_passes() => Prop.ForAll(Arb.From(Gen.Choose(0, int.MaxValue)), seed =>
    {
        var history = ModelHistory.Generate(seed, Operations);
        var violations = Checker.Check(history);
        return (history.Count >= Operations && violations.Count == 0).Label($"seed {seed}, {history.Count} ops:\n{Report(history, violations)}");
    });

    [Fact]
    public void The_correct_history_has_every_kind_of_operation_and_outcome()
    {
        var history = ModelHistory.Generate(1, Operations);
        Assert.All(Enum.GetValues<OpKind>().Where(k => k != OpKind.Fault), kind => Assert.Contains(history, op => op.Kind == kind));
        Assert.All(Enum.GetValues<Outcome>(), outcome => Assert.Contains(history, op => op.Kind == OpKind.Post && op.Outcome == outcome));
        Assert.Contains(LogicalPost.Of(history), p => p.Attempts.Count > 1 && p.Acknowledged.Count > 0); // a retried key
    }

    public enum Plant { LostAcknowledgement, Duplicate, TwoMessagesAtOneIndex, TwoTextsAtOneIndex, Reordering, Gap, RefusedButStored, UnknownTwice, NextBack }

    [Theory]
    [InlineData(Plant.LostAcknowledgement, "acknowledged post in the log")]
    [InlineData(Plant.Duplicate, "acknowledged post once")]
    [InlineData(Plant.TwoMessagesAtOneIndex, "one message per index")]
    [InlineData(Plant.TwoTextsAtOneIndex, "one message per index")]
    [InlineData(Plant.Reordering, "real-time order")]
    [InlineData(Plant.Gap, "follower in order")]
    [InlineData(Plant.RefusedButStored, "refused post never stored")]
    [InlineData(Plant.UnknownTwice, "unknown post at most once")]
    [InlineData(Plant.NextBack, "next never goes back")]
    public void A_planted_violation_is_caught_and_names_its_operations(Plant plant, string rule)
    {
        foreach (var seed in new[] { 1, 2, 3 })
        {
            var history = ModelHistory.Generate(seed, Operations);
            Assert.Empty(Checker.Check(history));
            var (planted, involved) = PlantIn(plant, history);
            var violations = Checker.Check(planted);
            var caught = violations.Where(v => v.Rule == rule).ToList();
            Assert.True(caught.Count > 0, $"seed {seed}: {plant} not caught as '{rule}'; found: {Report(planted, violations)}");
            Assert.Contains(caught, v => v.Ops.Contains(involved));
        }
    }

    /// The history with one violation planted, and an operation the report must name.
    private static (List<Op> History, long Involved) PlantIn(Plant plant, List<Op> history)
    {
        var posts = LogicalPost.Of(history);
        var acked = posts.Where(p => p.Acknowledged.Count > 0 && p.Room == "r0").ToList();
        switch (plant)
        {
            case Plant.LostAcknowledgement:
                {
                    // The service forgot an acknowledged post: the log closes up over it.
                    var lost = acked[acked.Count / 2];
                    return (Rewrite(history, op => op.Room != lost.Room ? op : op with
                    {
                        From = op.From > lost.Index ? op.From - 1 : op.From,
                        Entries = op.Entries?.Where(e => e.Text != lost.Text).Select(e => e.Index > lost.Index ? e with { Index = e.Index - 1 } : e).ToList(),
                    }), lost.Acknowledged[0].Id);
                }
            case Plant.Duplicate:
                {
                    // One post stored twice: the audit finds it once more at the end of the room.
                    var twice = acked[acked.Count / 3];
                    var last = history.Where(op => op.Client.StartsWith("audit", StringComparison.Ordinal) && op.Kind == OpKind.Batch && op.Room == twice.Room)
                        .GroupBy(op => op.Client).Select(g => g.Last().Id).ToHashSet();
                    return (Rewrite(history, op => !last.Contains(op.Id) ? op : op with
                    {
                        Entries = [.. op.Entries!, Entry(history, twice) with { Index = op.Next!.Value }],
                        Next = op.Next + 1,
                    }), twice.Acknowledged[0].Id);
                }
            case Plant.TwoMessagesAtOneIndex or Plant.TwoTextsAtOneIndex:
                {
                    // One batch reader sees another time (or another text) at an index every other read agrees on.
                    var read = history.First(op => op.Kind == OpKind.Batch && op.Client == "b0" && op.Entries!.Count > 0 && op.Room == "r0");
                    var at = read.Entries![0];
                    var other = plant == Plant.TwoMessagesAtOneIndex ? at with { Time = "2030-01-01T00:00:00.000Z" } : at with { Text = at.Text + " (edited)" };
                    return (Rewrite(history, op => op.Id != read.Id ? op : op with { Entries = [other, .. op.Entries!.Skip(1)] }), read.Id);
                }
            case Plant.Reordering:
                {
                    // Two posts, the first acknowledged before the second was sent, swap their places in the log.
                    var (a, b) = (from x in acked from y in acked where x.AcknowledgedAt < y.SentAt && x.Index < y.Index && x.Index + 3 > y.Index select (x, y)).First();
                    long Swap(long i) => i == a.Index ? b.Index : i == b.Index ? a.Index : i;
                    return (Rewrite(history, op => op.Room != a.Room ? op : op with
                    {
                        Index = op.Kind == OpKind.Post && op.Index is { } i ? Swap(i) : op.Index,
                        Entries = op.Entries?.Select(e => e.Index == a.Index || e.Index == b.Index ? e with { Index = Swap(e.Index) } : e).OrderBy(e => e.Index).ToList(),
                    }), b.Acknowledged[0].Id);
                }
            case Plant.Gap:
                {
                    // A seed follower never received one message.
                    var gets = history.Where(op => op.Client == "s0" && op.Kind == OpKind.Get && op.Entries is [_]).ToList();
                    var skipped = gets[gets.Count / 2];
                    var after = gets[gets.Count / 2 + 1];
                    return ([.. history.Where(op => op.Id != skipped.Id)], after.Id);
                }
            case Plant.RefusedButStored:
                {
                    // An acknowledgement turned into a definite refusal: the post is in the log all the same.
                    var refused = acked.First(p => p.Attempts.Count == 1);
                    return (Rewrite(history, op => op.Id != refused.Attempts[0].Id ? op : op with { Outcome = Outcome.Failed, Status = 503, Index = null }), refused.Attempts[0].Id);
                }
            case Plant.UnknownTwice:
                {
                    // A post whose answer was lost, stored twice.
                    var unknown = posts.First(p => p.Acknowledged.Count == 0 && p.Room == "r0" && history.Any(op => op.IsRead && op.Entries!.Any(e => e.Text == p.Text)));
                    var last = history.Where(op => op.Client.StartsWith("audit", StringComparison.Ordinal) && op.Kind == OpKind.Batch && op.Room == unknown.Room)
                        .GroupBy(op => op.Client).Select(g => g.Last().Id).ToHashSet();
                    var entry = history.Where(op => op.IsRead).SelectMany(op => op.Entries!).First(e => e.Text == unknown.Text && e.Meta);
                    return (Rewrite(history, op => !last.Contains(op.Id) ? op : op with { Entries = [.. op.Entries!, entry with { Index = op.Next!.Value }], Next = op.Next + 1 }),
                        unknown.Attempts[0].Id);
                }
            case Plant.NextBack:
                {
                    // A status read after the client's own acknowledgement says the room ends before it.
                    var status = history.First(op => op.Kind == OpKind.Status && op.Client.StartsWith('p') && op.Next > 1);
                    return (Rewrite(history, op => op.Id != status.Id ? op : op with { Next = 0 }), status.Id);
                }
            default: throw new ArgumentOutOfRangeException(nameof(plant));
        }
    }

    private static Entry Entry(List<Op> history, LogicalPost post) =>
        history.Where(op => op.IsRead).SelectMany(op => op.Entries!).First(e => e.Text == post.Text && e.Meta);

    private static List<Op> Rewrite(List<Op> history, Func<Op, Op> change) => [.. history.Select(change)];

    [Fact]
    public void A_history_survives_its_file()
    {
        var history = ModelHistory.Generate(7, 500);
        var path = Path.Combine(Path.GetTempPath(), $"chat-history-roundtrip-{Environment.ProcessId}.jsonl");
        try
        {
            HistoryFile.Write(path, history);
            var read = HistoryFile.Read(path);
            Assert.Equal(history.Select(HistoryFile.ToLine), read.Select(HistoryFile.ToLine));
            Assert.Empty(Checker.Check(read));
        }
        finally { File.Delete(path); }
    }
}
