using Chat.Core.Room;
using Chat.Core.Values;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;

namespace Chat.Specs.Properties;

/// The room's invariants (Core/Room/Room.Laws.cs) over random scripts: posts, subscribes below, at and past
/// the count, resets, timeouts, late and repeated stores, failed stores.
public sealed class RoomLaws
{
    private static Property ForScripts(Func<Seq<Command>, Property> law) =>
        Prop.ForAll(Scripts.Arb(), ops => law(Scripts.Commands(ops)));

    [Property(MaxTest = 300)]
    public Property Every_law_holds_over_any_script() => ForScripts(commands =>
    {
        var run = Laws.Run(RoomState.Initial(Scripts.Limits), commands);
        var violations = Laws.Violations(run);
        return violations.IsEmpty.Label(string.Join("; ", violations))
            .Classify(commands.Exists(c => c is Command.Reset), "with resets")
            .Classify(commands.Exists(c => c is Command.Timeout), "with timeouts")
            .Classify(commands.Exists(c => c is Command.Failed), "with failed stores")
            .Classify(run.Exists(t => t.Effects.Exists(e => e is Effect.Deliver)), "with deliveries")
            .Classify(run.Exists(t => t.Effects.Exists(e => e is Effect.Answer { Reply: Reply.FromStore })), "with reads past the window");
    });

    [Property(MaxTest = 200)]
    public Property Numbering_is_dense_and_stable() => ForScripts(commands =>
    {
        var run = Laws.Run(RoomState.Initial(Scripts.Limits), commands);
        var published = run.Bind(t => t.Effects).OfType<Effect.Publish>().Select(p => p.At.Value).ToList();
        return (Laws.Dense(run).IsNone && published.SequenceEqual(Enumerable.Range(0, published.Count).Select(i => (long)i)))
            .Label($"published {string.Join(",", published)}");
    });

    [Property(MaxTest = 200)]
    public Property Every_waiter_is_completed_exactly_once_with_the_message_at_its_index() => ForScripts(script =>
    {
        var commands = Scripts.Finish(Scripts.Final(script), script);
        var run = Laws.Run(RoomState.Initial(Scripts.Limits), commands);
        var subscribers = commands.OfType<Command.Subscribe>().Select(s => s.Waiter.Id).ToList();
        var outcomes = run.Bind(t => t.Effects).SelectMany(Completed).ToLookup(id => id);
        var wrong = subscribers.Where(id => outcomes[id].Count() != 1).ToList();
        return (wrong.Count == 0 && Laws.SameOrder(run).IsNone && Laws.Once(run).IsNone)
            .Label($"completed other than once: {string.Join(",", wrong)}; {Laws.SameOrder(run)}");
    });

    [Property(MaxTest = 200)]
    public Property Nothing_is_left_after_resets_and_timeouts() => ForScripts(script =>
    {
        var commands = Scripts.Finish(Scripts.Final(script), script);
        var final = Scripts.Final(commands);
        return (final.Waiters.IsEmpty && final.HeldCount == 0 && final.Pending.IsEmpty).Label($"left: {final.HeldCount} waiters, {final.Pending.Count} pending");
    });

    [Property(MaxTest = 200)]
    public Property Replaying_the_same_commands_gives_the_same_states_and_effects() => ForScripts(commands =>
    {
        var first = Laws.Run(RoomState.Initial(Scripts.Limits), commands);
        var second = Laws.Run(RoomState.Initial(Scripts.Limits), commands);
        return first.Equals(second).Label("two runs differ");
    });

    [Property(MaxTest = 200)]
    public Property Memory_is_bounded_by_the_window_however_long_the_history() => ForScripts(commands =>
    {
        var run = Laws.Run(RoomState.Initial(Scripts.Limits), commands);
        return run.ForAll(t => t.After.Recent.Count <= Scripts.Limits.WindowCount
                && t.After.RecentBytes <= Scripts.Limits.WindowBytes
                && t.After.Keys.Count <= Scripts.Limits.KeyCount
                && t.After.RecentStart.Value + t.After.Recent.Count == t.After.Visible.Value)
            .Label("window or keys outgrew their limits");
    });

    /// A subscribe's final outcome, or a held waiter's.
    private static IEnumerable<WaiterId> Completed(Effect effect) => effect switch
    {
        // Arrays, not collection expressions: `[x]` as a Seq would call its immutable Add and drop the result.
        Effect.Deliver d => d.To.ToArray(),
        Effect.Answer { Reply: Reply.Messages or Reply.Ahead or Reply.Gone or Reply.FromStore } a => new[] { a.To },
        Effect.Expire e => new[] { e.Waiter.Id },
        Effect.Forget f => new[] { f.Waiter.Id },
        _ => Array.Empty<WaiterId>(),
    };
}
