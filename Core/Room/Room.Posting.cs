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
        state.SharedLog ? Seq1<Effect>(new Effect.Append(post.Message, post.Poster, post.Key))
        : post.Key.Bind(key => state.Keys.Find(key)).Match(
            Some: first => Seq1(Retry(state, post, first)),
            None: () => Seq1<Effect>(new Effect.Persist(state.Next, post.Message, post.Poster, post.Key)));

    private static Effect Retry(RoomState state, Command.Post post, KeyEntry first) =>
        !first.Message.Text.Equals(post.Message.Text) ? new Effect.Answer(post.Poster, new Reply.KeyConflict(first.At))
        : first.At < state.Visible ? new Effect.Answer(post.Poster, Posted(first.At))
        : new Effect.AwaitStore(post.Poster, first.At);

    private static Reply Posted(MessageIndex at) => new Reply.Posted(at);

    /// The store made everything below <paramref name="upTo"/> durable: publish it, answer its posters,
    /// then complete every waiter whose index it reaches.
    private static Seq<Effect> Release(RoomState state, MessageIndex upTo)
    {
        var released = toSeq(state.Pending.TakeWhile(p => p.At < upTo)).Strict();
        if (released.IsEmpty) return Empty;
        var published = released.Bind(p =>
            Seq1<Effect>(new Effect.Publish(p.At, p.Message)) + p.Posters.Map(poster => (Effect)new Effect.Answer(poster, Posted(p.At))));
        return published + DeliverTo(state, released.Map(p => p.Message));
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
