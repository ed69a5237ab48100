using Chat.Core.Room;
using Chat.Core.Values;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Chat.Specs.Properties;

/// More of what the room promises, over the same random scripts (laws the mutation score showed missing: each
/// states a promise of the docs or of the core's own comments that no law checked).
public sealed class CoreLaws
{
    private static Property ForRuns(Func<Seq<Command>, Seq<Turn>, Property> law, bool finished = false, RoomLimits? limits = null) =>
        Prop.ForAll(Scripts.Arb(), ops =>
        {
            var commands = Scripts.Commands(ops, limits);
            if (finished) commands = Scripts.Finish(Scripts.Final(commands, limits), commands);
            return law(commands, Laws.Run(RoomState.Initial(limits ?? Scripts.Limits), commands));
        });

    /// A window that its bytes limit before its count (the scripts' texts are 1-12 bytes): sums that reach it exactly.
    private static readonly RoomLimits BytesFirst = new(WindowCount: 10, WindowBytes: 12, KeyCount: 2);

    /// The state before each turn (the state after the one before it).
    private static IEnumerable<(RoomState Before, Turn Turn)> WithBefore(Seq<Turn> run)
    {
        var before = RoomState.Initial(Scripts.Limits);
        foreach (var turn in run)
        {
            yield return (before, turn);
            before = turn.After;
        }
    }

    [Property(MaxTest = 300)]
    public Property Every_poster_is_answered_exactly_once_once_the_room_settles() => ForRuns((commands, run) =>
    {
        var answers = run.Bind(t => t.Effects).OfType<Effect.Answer>()
            .Where(a => a.Reply is Reply.Posted or Reply.KeyConflict or Reply.StoreFailed or Reply.Ahead or Reply.Gone).GroupBy(a => a.To).ToDictionary(g => g.Key, g => g.Count());
        var wrong = commands.OfType<Command.Post>().Where(p => answers.GetValueOrDefault(p.Poster) != 1).Select(p => p.Poster).ToList();
        return (wrong.Count == 0).Label($"posters answered other than once: {string.Join(", ", wrong)}");
    }, finished: true);

    [Property(MaxTest = 300)]
    public Property A_message_the_store_failed_is_never_published_unless_posted_again() => ForRuns((_, run) =>
    {
        var alive = new System.Collections.Generic.HashSet<long>();
        foreach (var (before, turn) in WithBefore(run))
        {
            if (turn.Command is Command.Failed f && f.From >= before.Visible)
                for (var i = f.From.Value; i < before.Next.Value; i++) alive.Remove(i);
            foreach (var effect in turn.Effects)
            {
                if (effect is Effect.Persist p) alive.Add(p.At.Value);
                if (effect is Effect.Publish pub && !alive.Contains(pub.At.Value)) return false.Label($"{pub.At} published after its store failed, by {turn.Command}");
            }
        }
        return true.ToProperty();
    }, finished: true);

    [Property(MaxTest = 300)]
    public Property A_store_failing_from_where_it_was_not_writing_changes_nothing() => ForRuns((_, run) =>
        WithBefore(run).Where(x => x.Turn.Command is Command.Failed f && (f.From < x.Before.Visible || f.From >= x.Before.Next))
            .All(x => x.Turn.Effects.IsEmpty && x.Turn.After == x.Before).Label("a failure outside the pending posts did something"));

    [Property(MaxTest = 300)]
    public Property Every_read_carries_as_many_messages_as_it_asked_for_and_the_room_has() => ForRuns((_, run) =>
    {
        foreach (var (before, turn) in WithBefore(run))
            foreach (var effect in turn.Effects)
            {
                (Want? Want, int Count) got = effect switch
                {
                    Effect.Deliver d => (d.Want, d.Messages.Count),
                    Effect.Answer { Reply: Reply.Messages m } when turn.Command is Command.Subscribe s => (s.Waiter.Want, m.Items.Count),
                    Effect.Answer { Reply: Reply.FromStore f } => (f.Want, f.Want.Limit),
                    _ => (null, 0),
                };
                if (got.Want is not { } w) continue;
                var count = got.Count;
                var asked = turn.Command is Command.Subscribe sub ? sub.Waiter.Want.Limit : w.Limit;
                var expected = Math.Min(asked, (int)(turn.After.Visible.Value - w.At.Value));
                if (count != expected || expected < 1) return false.Label($"{effect} carries {count}, expected {expected}");
            }
        return true.ToProperty();
    });

    [Property(MaxTest = 200)]
    public Property Deliveries_go_out_lowest_index_first() => ForRuns((_, run) =>
        run.ForAll(t =>
        {
            var wants = t.Effects.OfType<Effect.Deliver>().Select(d => (d.Want.At.Value, d.Want.Limit)).ToList();
            return wants.SequenceEqual(wants.OrderBy(w => w.Value).ThenBy(w => w.Limit));
        }).Label("deliveries out of order"));

    [Property(MaxTest = 300)]
    public Property The_window_is_the_latest_messages_as_many_as_its_limits_allow() => ForRuns(WindowIsFull);

    [Property(MaxTest = 300)]
    public Property The_window_limited_by_its_bytes_keeps_every_message_that_fits() => ForRuns(WindowIsFull, limits: BytesFirst);

    private static Property WindowIsFull(Seq<Command> _, Seq<Turn> run)
    {
        var published = new List<Message>();
        var removed = false;
        foreach (var turn in run)
        {
            foreach (var p in turn.Effects.OfType<Effect.Publish>())
            {
                published.Add(p.Message);
                // A removal erases its target in the window: the window holds the placeholder from then on.
                if (p.Message.Removes.Case is MessageIndex n && published[(int)n.Value].RemovedBy.IsNone)
                {
                    published[(int)n.Value] = published[(int)n.Value].ErasedBy(p.At);
                    removed = true;
                }
            }
            var s = turn.After;
            var window = published.Skip((int)s.RecentStart.Value).ToList();
            if (!window.SequenceEqual(s.Recent)) return false.Label($"window from {s.RecentStart} is not the latest messages");
            if (s.RecentBytes != window.Sum(m => (long)m.Bytes)) return false.Label($"window counts {s.RecentBytes} bytes, holds {window.Sum(m => m.Bytes)}");
            // A removal frees bytes that the window does not fill again (what left it is read from the store).
            var roomForOneMore = !removed && s.RecentStart > s.First && s.Recent.Count < s.Limits.WindowCount
                && s.RecentBytes + published[(int)s.RecentStart.Value - 1].Bytes <= s.Limits.WindowBytes;
            if (roomForOneMore) return false.Label($"window from {s.RecentStart} left out a message it had room for");
        }
        return true.ToProperty();
    }

    [Property(MaxTest = 300)]
    public Property Remembered_keys_point_at_numbered_posts_within_their_limit() => ForRuns((_, run) =>
        run.ForAll(t => t.After.Keys.Values.All(e => e.At < t.After.Next)
                        && t.After.Keys.Count == t.After.KeyOrder.Count
                        && t.After.KeyOrder.ForAll(k => t.After.Keys.ContainsKey(k))
                        && t.After.Keys.Count <= t.After.Limits.KeyCount)
            .Label("a key points past the room's numbering, or keys and their order disagree"));

    /// A retried key is the same post: the same text answers the first attempt's index (at once if stored, when it
    /// is stored if not), another text is a conflict; neither is numbered again, even with another key used between.
    [Property]
    public Property A_retried_key_is_the_first_post(bool storedFirst, bool sameText, bool anotherKeyBetween)
    {
        var key = Some((IdempotencyKey)IdempotencyKey.Parse("k").RightToSeq().Head);
        var other = Some((IdempotencyKey)IdempotencyKey.Parse("other").RightToSeq().Head);
        var first = Scripts.Text(0);
        var retry = sameText ? first with { Author = None, Time = None } : Scripts.Text(1);
        var commands = new List<Command> { new Command.Post(first, new WaiterId(1), key) };
        if (anotherKeyBetween) commands.Add(new Command.Post(Scripts.Text(2), new WaiterId(2), other));
        if (storedFirst) commands.Add(new Command.Stored(new MessageIndex(commands.Count)));
        var retried = commands.Count;
        commands.Add(new Command.Post(retry, new WaiterId(3), key));
        commands.Add(new Command.Stored(new MessageIndex(anotherKeyBetween ? 2 : 1)));
        var run = Laws.Run(RoomState.Initial(Scripts.Limits), toSeq(commands));
        var poster = new WaiterId(3);
        Effect expected = !sameText ? new Effect.Answer(poster, new Reply.KeyConflict(MessageIndex.Zero))
            : storedFirst ? new Effect.Answer(poster, new Reply.Posted(MessageIndex.Zero))
            : new Effect.AwaitStore(poster, MessageIndex.Zero);
        var answers = run.Bind(t => t.Effects).OfType<Effect.Answer>().Where(a => a.To == poster).ToList();
        return (run[retried].Effects.ToList() is [var only] && only.Equals(expected)
                && run.Bind(t => t.Effects).OfType<Effect.Persist>().Count() == (anotherKeyBetween ? 2 : 1)
                && answers.Count == 1 && (sameText ? answers[0].Reply.Equals(new Reply.Posted(MessageIndex.Zero)) : answers[0].Reply is Reply.KeyConflict))
            .Label($"retry decided {string.Join(", ", run[retried].Effects)}, expected {expected}; answers {string.Join(", ", answers)}");
    }

    /// With a shared log the log numbers: a post is appended there (never numbered here), the log's answer goes to
    /// the poster, and the room's numbering follows what the log publishes.
    [Property]
    public Property A_shared_log_numbers_and_the_room_follows(byte entries)
    {
        var n = entries % 6;
        var shared = RoomState.Initial(Scripts.Limits).AsSharedLog();
        var post = new Command.Post(Scripts.Text(0), new WaiterId(1), None);
        var logged = toSeq(Enumerable.Range(0, n).Select(i => (Command)new Command.Logged(new MessageIndex(i), Scripts.Text(i % Scripts.Texts.Length))));
        var after = logged.Fold(shared, (s, c) => Room.Step(s, c).State);
        var reply = new Reply.Posted(new MessageIndex(n));
        return (shared.SharedLog
                && Room.Decide(shared, post).ToList() is [Effect.Append a] && a.Message == post.Message && a.Poster == post.Poster
                && Room.Decide(after, new Command.Appended(post.Poster, reply)).ToList() is [Effect.Answer { Reply: var r }] && r == reply
                && after.Next.Value == n && after.Visible.Value == n
                && Room.Decide(after, new Command.Subscribe(new Waiter(new WaiterId(2), Want.One(new MessageIndex(n))))).ToList() is [Effect.Hold]
                && Room.Decide(after, new Command.Subscribe(new Waiter(new WaiterId(3), Want.One(new MessageIndex(n + 1))))).ToList() is [Effect.Answer { Reply: Reply.Ahead }])
            .Label($"after {n} entries: next {after.Next}, visible {after.Visible}");
    }
}
