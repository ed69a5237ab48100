using System.Diagnostics.Contracts;
using Chat.Core.Values;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Chat.Core.Room;

public static partial class Room
{
    private static bool IsHeld(RoomState state, Waiter waiter) =>
        state.Waiters.Find(waiter.Want).Map(set => set.Contains(waiter.Id)).IfNone(false);

    /// Seed: `pos < size` answers at once, `pos > size` is 404, `pos == size` waits.
    private static Seq<Effect> Subscribe(RoomState state, Waiter waiter) =>
        Now(state, waiter.Want) is { } reply ? Seq1<Effect>(new Effect.Answer(waiter.Id, reply)) : Seq1<Effect>(new Effect.Hold(waiter));

    /// What a poll for <paramref name="want"/> gets now, or null when it must wait. A message numbered but not yet
    /// stored counts as "not yet". The host asks this first, so that only a poll that waits goes through the room's loop.
    [Pure]
    public static Reply? Now(RoomState state, Want want)
    {
        var at = want.At;
        if (at > state.Next) return new Reply.Ahead(at, state.Visible);
        if (at >= state.Visible) return null;
        if (at < state.First) return new Reply.Gone(at, state.First);
        var limit = (int)Math.Min(want.Limit, state.Visible.Value - at.Value);
        return at >= state.RecentStart ? new Reply.Messages(at, state.RecentFrom(at, limit)) : new Reply.FromStore(want with { Limit = limit });
    }

    /// Retention moved the room's start to <paramref name="first"/>. Polls held below it (a node behind a shared log
    /// trimmed past its end) are let go with "nothing yet": polled again, they hear where the room starts now.
    private static Seq<Effect> Trim(RoomState state, MessageIndex first) =>
        state.Waiters.Filter((want, _) => want.At < first).AsEnumerable()
            .SelectMany(kv => kv.Value.Select(id => (Effect)new Effect.Expire(new Waiter(id, kv.Key))))
            .ToSeq().Strict().Add(new Effect.Trim(first));

    /// Completes every waiter that the newly visible messages reach, one Deliver per want, lowest index first.
    /// <paramref name="texts"/> are the messages from the old <see cref="RoomState.Visible"/> on.
    private static Seq<Effect> DeliverTo(RoomState state, Seq<Message> texts)
    {
        if (state.Waiters.IsEmpty) return Empty; // a room of posters only: no query to run
        var visible = state.Visible.Plus(texts.Count);
        return state.Waiters
            .Filter((want, _) => want.At < visible)
            .AsEnumerable()
            .OrderBy(kv => kv.Key.At).ThenBy(kv => kv.Key.Limit)
            .Select(kv => (Effect)new Effect.Deliver(kv.Value.ToSeq().Strict(), kv.Key,
                texts.Skip((int)(kv.Key.At.Value - state.Visible.Value)).Take(Math.Min(kv.Key.Limit, (int)(visible.Value - kv.Key.At.Value)))))
            .ToSeq().Strict();
    }
}
