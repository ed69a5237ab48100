using Chat.Core.Room;
using Chat.Core.Values;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Chat.Specs.Properties;

/// With a shared log (several nodes over Redis), a room learns of entries late, twice and out of order.
/// Whatever the arrival order, it publishes the log exactly, in order, once, and its waiters get the right text.
public sealed class SharedLogLaws
{
    public abstract record Step
    {
        public sealed record Arrive(int Pick) : Step;      // a notification of some log entry reaches this node
        public sealed record Post(int Text) : Step;        // a post on this node (appended to the log by the log)
        public sealed record ElsewherePost(int Text) : Step; // a post on another node: in the log, not yet known here
        public sealed record Subscribe(int Back, int Limit) : Step;
        public sealed record Reset(int Pick) : Step;
    }

    private static readonly Gen<Step> Steps = Gen.Frequency(
        (5, Gen.Choose(0, 1000).Select(p => (Step)new Step.Arrive(p))),
        (2, Gen.Choose(0, Scripts.Texts.Length - 1).Select(t => (Step)new Step.Post(t))),
        (3, Gen.Choose(0, Scripts.Texts.Length - 1).Select(t => (Step)new Step.ElsewherePost(t))),
        (4, from b in Gen.Choose(-1, 4) from l in Gen.Elements(1, 1, 3) select (Step)new Step.Subscribe(b, l)),
        (1, Gen.Choose(0, 1000).Select(p => (Step)new Step.Reset(p))));

    /// Runs the steps against a room and a simulated log; answers every Fetch from the log; at the end every
    /// entry arrives once more in order (the node catches up). Returns the run and the log.
    private static (Seq<Turn> Run, List<Message> Log) Simulate(Step[] steps)
    {
        var log = new List<Message>();
        var state = RoomState.Initial(Scripts.Limits).AsSharedLog();
        var turns = new List<Turn>();
        var waiters = new List<Waiter>();
        var ids = 0L;
        void Do(Command command)
        {
            var (after, effects) = Room.Step(state, command);
            turns.Add(new Turn(command, effects, after));
            state = after;
            foreach (var effect in effects)
            {
                if (effect is Effect.Append a)
                {
                    log.Add(a.Message);
                    Do(new Command.Appended(a.Poster, new Reply.Posted(new MessageIndex(log.Count - 1))));
                }
                if (effect is Effect.Fetch f)
                    for (var i = (int)f.From.Value; i < log.Count; i++) Do(new Command.Logged(new MessageIndex(i), log[i]));
            }
        }
        foreach (var step in steps)
        {
            switch (step)
            {
                case Step.Arrive a when log.Count > 0: Do(new Command.Logged(new MessageIndex(a.Pick % log.Count), log[a.Pick % log.Count])); break;
                case Step.Post p: Do(new Command.Post(Scripts.Text(p.Text), new WaiterId(++ids), None)); break;
                case Step.ElsewherePost e: log.Add(Scripts.Text(e.Text)); break;
                case Step.Subscribe s:
                    var w = new Waiter(new WaiterId(++ids), new Want(new MessageIndex(Math.Max(0, state.Next.Value - s.Back)), s.Limit));
                    waiters.Add(w);
                    Do(new Command.Subscribe(w));
                    break;
                case Step.Reset r when waiters.Count > 0: Do(new Command.Reset(waiters[r.Pick % waiters.Count])); break;
            }
        }
        for (var i = 0; i < log.Count; i++) Do(new Command.Logged(new MessageIndex(i), log[i]));
        return (toSeq(turns), log);
    }

    [Property(MaxTest = 300)]
    public Property Late_duplicated_and_out_of_order_entries_publish_the_log_exactly_once_in_order() => Prop.ForAll(
        Arb.From(Gen.Sized(n => Gen.Choose(0, Math.Min(n, 60)).SelectMany(k => Gen.ArrayOf(Steps, k)))),
        steps =>
        {
            var (run, log) = Simulate(steps);
            var published = run.Bind(t => t.Effects).OfType<Effect.Publish>().Select(p => p.Message).ToList();
            var violations = Laws.Violations(run);
            return (published.SequenceEqual(log) && violations.IsEmpty)
                .Label($"published {published.Count} of {log.Count}; {string.Join("; ", violations)}")
                .Classify(steps.Any(s => s is Step.ElsewherePost), "with posts from other nodes")
                .Classify(run.Exists(t => t.Effects.Exists(e => e is Effect.Fetch)), "with gaps fetched");
        });

    [Fact]
    public void An_entry_past_a_gap_fetches_the_gap_and_publishes_nothing_yet()
    {
        var state = RoomState.Initial(Scripts.Limits).AsSharedLog();
        var effects = Room.Decide(state, new Command.Logged(new MessageIndex(2), Scripts.Text(0)));
        Assert.Equal(Seq1<Effect>(new Effect.Fetch(MessageIndex.Zero)), effects);
    }
}
