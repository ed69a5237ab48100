using System.Diagnostics.Contracts;
using Chat.Core.Values;
using LanguageExt;

namespace Chat.Core.Room;

/// One step of a run: the command, what it decided, and the state after it.
public sealed record Turn(Command Command, Seq<Effect> Effects, RoomState After);

/// The room's invariants as predicates over a run from an empty room. Each answers the first violation
/// it finds, or None when the law holds; the specs generate runs and call them.
public static class Laws
{
    /// Runs <paramref name="commands"/> through <see cref="Room.Step"/> from <paramref name="initial"/>.
    [Pure]
    public static Seq<Turn> Run(RoomState initial, Seq<Command> commands) =>
        commands.Fold((State: initial, Turns: Seq<Turn>()), (acc, command) =>
        {
            var (after, effects) = Room.Step(acc.State, command);
            return (after, acc.Turns.Add(new Turn(command, effects, after)));
        }).Turns;

    private static Seq<Effect> Effects(Seq<Turn> run) => run.Bind(t => t.Effects);

    /// Dense: messages are published at 0, 1, 2, … in order, each with the message (text, author, time) last persisted
    /// at its index (or, with a shared log, the one the log holds there).
    [Pure]
    public static Option<string> Dense(Seq<Turn> run)
    {
        var persisted = new System.Collections.Generic.Dictionary<long, Message>();
        var next = 0L;
        foreach (var turn in run)
        {
            if (turn.Command is Command.Logged logged) persisted[logged.At.Value] = logged.Message;
            foreach (var effect in turn.Effects)
            {
                if (effect is Effect.Persist p) persisted[p.At.Value] = p.Message;
                if (effect is Effect.Trim t && t.First.Value > next) next = t.First.Value; // a shared log trimmed past this node
                if (effect is not Effect.Publish pub) continue;
                if (pub.At.Value != next) return $"published {pub.At} where {next} was next";
                if (!persisted.TryGetValue(next, out var text) || !text.Equals(pub.Message)) return $"published {pub.At} with a message never persisted there";
                next++;
            }
        }
        return None;
    }

    /// Durable first: a message is published only by a Stored that covers it, and nobody receives an index
    /// before it is published.
    [Pure]
    public static Option<string> DurableFirst(Seq<Turn> run)
    {
        var visible = 0L;
        foreach (var turn in run)
            foreach (var effect in turn.Effects)
            {
                if (effect is Effect.Publish pub)
                {
                    var covered = turn.Command is Command.Stored s && pub.At < s.UpTo || turn.Command is Command.Logged l && l.At == pub.At;
                    if (!covered) return $"{pub.At} published by {turn.Command}";
                    visible = pub.At.Value + 1;
                }
                if (Received(effect) is (var from, var count) && from.Value + count > visible)
                    return $"{effect} hands out messages not yet stored (visible {visible})";
            }
        return None;
    }

    /// Right message: whoever receives index i receives the message published at i: every client sees one order. Once
    /// a removal of i is published, what i holds is its placeholder: nobody receives the removed message after that.
    [Pure]
    public static Option<string> SameOrder(Seq<Turn> run)
    {
        var published = new System.Collections.Generic.List<Message>();
        foreach (var effect in Effects(run))
        {
            if (effect is Effect.Publish pub)
            {
                published.Add(pub.Message);
                if (pub.Message.Removes.Case is MessageIndex target && target.Value < published.Count - 1 && published[(int)target.Value].RemovedBy.IsNone)
                    published[(int)target.Value] = published[(int)target.Value].ErasedBy(pub.At);
            }
            (MessageIndex From, Seq<Message> Messages)? received = effect switch
            {
                Effect.Deliver d => (d.Want.At, d.Messages),
                Effect.Answer { Reply: Reply.Messages m } => (m.From, m.Items),
                _ => null,
            };
            if (received is var (from, seq))
                for (var k = 0; k < seq.Count; k++)
                {
                    if (from.Value + k >= published.Count) return $"{effect} hands out {from.Value + k}, which was never published";
                    if (!seq[k].Equals(published[(int)from.Value + k])) return $"{effect} disagrees with what was published at {from.Value + k}";
                }
        }
        return None;
    }

    /// Once: every subscribe gets exactly one outcome (an answer or a hold), and every held waiter leaves
    /// exactly once, through Deliver, Expire or Forget, never before it was held.
    [Pure]
    public static Option<string> Once(Seq<Turn> run)
    {
        var held = new System.Collections.Generic.HashSet<WaiterId>();
        var left = new System.Collections.Generic.HashSet<WaiterId>();
        foreach (var turn in run)
        {
            if (turn.Command is Command.Subscribe sub)
            {
                var outcomes = turn.Effects.Count(e => e is Effect.Hold || e is Effect.Answer a && a.To == sub.Waiter.Id);
                if (outcomes != 1) return $"{sub} had {outcomes} outcomes";
            }
            foreach (var effect in turn.Effects)
            {
                if (effect is Effect.Hold h && !held.Add(h.Waiter.Id)) return $"{h.Waiter} held twice";
                foreach (var id in Leaving(effect))
                    if (!held.Contains(id) || !left.Add(id)) return $"{id} left by {effect} but was not held or had left";
            }
        }
        return None;
    }

    /// Posters: every post is answered once, when it is stored, failed, or refused for its key; never twice.
    [Pure]
    public static Option<string> PostersAnsweredOnce(Seq<Turn> run)
    {
        var posters = run.Map(t => t.Command).OfType<Command.Post>().Select(p => p.Poster).ToHashSet();
        var answered = new System.Collections.Generic.HashSet<WaiterId>();
        foreach (var effect in Effects(run))
            if (effect is Effect.Answer { Reply: Reply.Posted or Reply.KeyConflict or Reply.StoreFailed } a && posters.Contains(a.To) && !answered.Add(a.To))
                return $"poster {a.To} answered twice";
        return None;
    }

    /// No leak: the state's waiters are exactly those held and not yet left.
    [Pure]
    public static Option<string> NoLeak(Seq<Turn> run)
    {
        var live = new System.Collections.Generic.HashSet<WaiterId>();
        foreach (var effect in Effects(run))
        {
            if (effect is Effect.Hold h) live.Add(h.Waiter.Id);
            foreach (var id in Leaving(effect)) live.Remove(id);
        }
        var inState = run.IsEmpty ? 0 : run.Last.After.HeldCount;
        return inState == live.Count ? None : Some($"state holds {inState} waiters, the effects say {live.Count}");
    }

    /// Every law at once, for specs that want one verdict.
    [Pure]
    public static Seq<string> Violations(Seq<Turn> run) =>
        Seq(Dense(run), DurableFirst(run), SameOrder(run), Once(run), PostersAnsweredOnce(run), NoLeak(run)).Somes().ToSeq();

    private static Seq<WaiterId> Leaving(Effect effect) => effect switch
    {
        Effect.Deliver d => d.To,
        Effect.Expire e => Seq1(e.Waiter.Id),
        Effect.Forget f => Seq1(f.Waiter.Id),
        _ => Seq<WaiterId>(),
    };

    private static (MessageIndex From, int Count)? Received(Effect effect) => effect switch
    {
        Effect.Deliver d => (d.Want.At, d.Messages.Count),
        Effect.Answer { Reply: Reply.Messages m } => (m.From, m.Items.Count),
        _ => null,
    };

    private static Option<T> Some<T>(T value) => Prelude.Some(value);
    private static Option<string> None => Option<string>.None;
    private static Seq<T> Seq1<T>(T value) => Prelude.Seq1(value);
    private static Seq<T> Seq<T>(params T[] values) => Prelude.toSeq(values);
}
