using System.Diagnostics;
using System.Diagnostics.Contracts;
using Chat.Core.Values;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Chat.Core.Room;

/// A room as a decider: <see cref="Decide"/> says what happens, <see cref="Evolve"/> folds it into the state,
/// <see cref="Step"/> does both. Pure: no I/O, no clock, no threads; the host feeds it one command at a time.
public static partial class Room
{
    /// Law (dense): messages are published at 0, 1, 2, … with no gap and no reuse.
    /// Law (once): every waiter leaves the room through exactly one Deliver, Expire or Forget.
    /// Law (durable first): no message is delivered or answered before a Stored that covers it.
    [Pure]
    public static Seq<Effect> Decide(RoomState state, Command command) => command switch
    {
        Command.Post c => Accept(state, c),
        Command.Subscribe c => Subscribe(state, c.Waiter),
        Command.Reset c => IsHeld(state, c.Waiter) ? Seq1<Effect>(new Effect.Forget(c.Waiter)) : Empty,
        Command.Timeout c => IsHeld(state, c.Waiter) ? Seq1<Effect>(new Effect.Expire(c.Waiter)) : Empty,
        Command.Stored c => Release(state, c.UpTo),
        Command.Failed c => Retract(state, c.From),
        _ => throw new UnreachableException(),
    };

    /// Decide, then fold every effect into the state: the one function the host calls.
    [Pure]
    public static (RoomState State, Seq<Effect> Effects) Step(RoomState state, Command command)
    {
        var effects = Decide(state, command);
        return (effects.Fold(state, Evolve), effects);
    }

    private static readonly Seq<Effect> Empty = Seq<Effect>();

    private static bool IsHeld(RoomState state, Waiter waiter) =>
        state.Waiters.Find(waiter.Want).Map(set => set.Contains(waiter.Id)).IfNone(false);

    /// Seed: `messages_.push_back(...)`. A retried key answers with its first attempt instead.
    private static Seq<Effect> Accept(RoomState state, Command.Post post) =>
        post.Key.Bind(key => state.Keys.Find(key)).Match(
            Some: first => Seq1(Retry(state, post, first)),
            None: () => Seq1<Effect>(new Effect.Persist(state.Next, post.Text, post.Poster, post.Key)));

    private static Effect Retry(RoomState state, Command.Post post, KeyEntry first) =>
        !first.Text.Equals(post.Text) ? new Effect.Answer(post.Poster, new Reply.KeyConflict(first.At))
        : first.At < state.Visible ? new Effect.Answer(post.Poster, new Reply.Posted(first.At))
        : new Effect.AwaitStore(post.Poster, first.At);

    /// Seed: `pos < size` answers at once, `pos > size` is 404, `pos == size` waits.
    /// A message numbered but not yet stored counts as "not yet": its waiters are held until it is stored.
    private static Seq<Effect> Subscribe(RoomState state, Waiter waiter)
    {
        var (at, id) = (waiter.At, waiter.Id);
        if (at > state.Next) return Seq1<Effect>(new Effect.Answer(id, new Reply.Ahead(at, state.Visible)));
        if (at >= state.Visible) return Seq1<Effect>(new Effect.Hold(waiter));
        var limit = (int)Math.Min(waiter.Want.Limit, state.Visible.Value - at.Value);
        return at >= state.RecentStart
            ? Seq1<Effect>(new Effect.Answer(id, new Reply.Messages(at, toSeq(state.Recent.Skip((int)(at.Value - state.RecentStart.Value)).Take(limit)).Strict())))
            : Seq1<Effect>(new Effect.Load(id, waiter.Want with { Limit = limit }));
    }

    /// The store made everything below <paramref name="upTo"/> durable: publish it, answer its posters,
    /// then complete every waiter whose index it reaches, each want with one Deliver.
    private static Seq<Effect> Release(RoomState state, MessageIndex upTo)
    {
        var released = toSeq(state.Pending.TakeWhile(p => p.At < upTo)).Strict();
        if (released.IsEmpty) return Empty;
        var visible = released.Last.At.Next;
        var published = released.Bind(p =>
            Seq1<Effect>(new Effect.Publish(p.At, p.Text)) + p.Posters.Map(poster => Posted(poster, p.At)));
        var texts = released.Map(p => p.Text);
        var delivered = state.Waiters
            .Filter((want, _) => want.At < visible)
            .AsEnumerable()
            .OrderBy(kv => kv.Key.At).ThenBy(kv => kv.Key.Limit)
            .Select(kv => (Effect)new Effect.Deliver(kv.Value.ToSeq().Strict(), kv.Key,
                texts.Skip((int)(kv.Key.At.Value - state.Visible.Value)).Take(Math.Min(kv.Key.Limit, (int)(visible.Value - kv.Key.At.Value)))))
            .ToSeq().Strict();
        return published + delivered;
    }

    private static Effect Posted(WaiterId poster, MessageIndex at) => new Effect.Answer(poster, new Reply.Posted(at));

    /// The store failed from <paramref name="from"/> on: those numbers are given back, their posters told to retry.
    private static Seq<Effect> Retract(RoomState state, MessageIndex from)
    {
        if (from < state.Visible || from >= state.Next) return Empty;
        var lost = toSeq(state.Pending.Filter(p => p.At >= from)).Strict();
        return Seq1<Effect>(new Effect.Retract(from))
            + lost.Bind(p => p.Posters.Map(poster => (Effect)new Effect.Answer(poster, new Reply.StoreFailed())));
    }
}
