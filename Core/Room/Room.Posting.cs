using Chat.Core.Values;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Chat.Core.Room;

public static partial class Room
{
    /// Seed: `messages_.push_back(...)`. A retried key answers with its first attempt instead (the same text is the
    /// same post, whatever name or time the retry carries).
    /// With a shared log, the log numbers the post (and remembers its key).
    private static Seq<Effect> Accept(RoomState state, Command.Post post) =>
        post.Message.Removes.Case is MessageIndex target && Unremovable(state, target) is { } refused
            ? Seq1<Effect>(new Effect.Answer(post.Poster, refused))
        : state.SharedLog ? Seq1<Effect>(new Effect.Append(post.Message, post.Poster, post.Key))
        : post.Key.Bind(key => state.Keys.Find(key)).Match(
            Some: first => Seq1(Retry(state, post, first)),
            None: () => Seq1<Effect>(new Effect.Persist(state.Next, post.Message, post.Poster, post.Key)));

    /// A removal answered at once: its target is past the end (a shared log checks that itself: this node may lag),
    /// trimmed, or removed already (idempotent: the first removal's index).
    private static Reply? Unremovable(RoomState state, MessageIndex target)
    {
        if (target >= state.Visible && !state.SharedLog) return new Reply.Ahead(target, state.Visible);
        if (target < state.First) return new Reply.Gone(target, state.First);
        var offset = target.Value - state.RecentStart.Value;
        return offset >= 0 && offset < state.Recent.Count && state.Recent[(int)offset].RemovedBy.Case is MessageIndex by ? Posted(by) : null;
    }

    /// A first attempt removed since has no text left to compare: its retry answers its index, as any retry would.
    private static Effect Retry(RoomState state, Command.Post post, KeyEntry first) =>
        first.Message.RemovedBy.IsNone && !first.Message.Text.Equals(post.Message.Text) ? new Effect.Answer(post.Poster, new Reply.KeyConflict(first.At))
        : first.At < state.Visible ? new Effect.Answer(post.Poster, Posted(first.At))
        : new Effect.AwaitStore(post.Poster, first.At);

    private static Reply Posted(MessageIndex at) => new Reply.Posted(at);

    /// The store made everything below <paramref name="upTo"/> durable: publish it, answer its posters,
    /// then complete every waiter whose index it reaches. A loop: every stored post runs it, and lazy sequences
    /// would leave their enumerators behind as garbage.
    private static Seq<Effect> Release(RoomState state, MessageIndex upTo)
    {
        var (effects, released) = (new System.Collections.Generic.List<Effect>(), new System.Collections.Generic.List<Message>());
        for (var i = 0; i < state.Pending.Count && state.Pending[i].At < upTo; i++)
        {
            var p = state.Pending[i];
            effects.Add(new Effect.Publish(p.At, p.Message));
            foreach (var poster in p.Posters) effects.Add(new Effect.Answer(poster, Posted(p.At)));
            released.Add(p.Message);
        }
        if (released.Count == 0) return Empty;
        effects.AddRange(DeliverTo(state, toSeq(released)));
        return toSeq(effects);
    }

    /// The store failed from <paramref name="from"/> on: those numbers are given back, their posters told to retry.
    private static Seq<Effect> Retract(RoomState state, MessageIndex from)
    {
        if (from < state.Visible || from >= state.Next) return Empty;
        var lost = toSeq(state.Pending.Filter(p => p.At >= from)).Strict();
        return Seq1<Effect>(new Effect.Retract(from))
            + lost.Bind(p => p.Posters.Map(poster => (Effect)new Effect.Answer(poster, new Reply.StoreFailed())));
    }

    /// Shared log: an entry already published is a duplicate; the next one is published; one past a gap asks
    /// for the gap to be read first, so nothing is delivered out of order.
    private static Seq<Effect> Follow(RoomState state, Command.Logged entry) =>
        entry.At < state.Visible ? Empty
        : entry.At > state.Visible ? Seq1<Effect>(new Effect.Fetch(state.Visible))
        : Seq1<Effect>(new Effect.Publish(entry.At, entry.Message)) + DeliverTo(state, Seq1(entry.Message));
}
