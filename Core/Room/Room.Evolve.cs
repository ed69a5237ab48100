using System.Diagnostics;
using System.Diagnostics.Contracts;
using Chat.Core.Values;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Chat.Core.Room;

public static partial class Room
{
    /// Law (fold): the state after a run is the fold of Evolve over its effects; Decide never changes state.
    [Pure]
    public static RoomState Evolve(RoomState state, Effect effect) => effect switch
    {
        // A find and a set: AddOrUpdate's two lambdas would be made for every held poll.
        Effect.Hold e => state with
        {
            Waiters = state.Waiters.AddOrUpdate(e.Waiter.Want, state.Waiters.Find(e.Waiter.Want).IfNone(LanguageExt.HashSet<EqValue<WaiterId>, WaiterId>.Empty).Add(e.Waiter.Id))
        },
        Effect.Persist e => Numbered(state, e),
        Effect.AwaitStore e => state with { Pending = state.Pending.Map(p => p.At == e.At ? p with { Posters = p.Posters.Add(e.Poster) } : p) },
        Effect.Publish e => Published(state, e),
        Effect.Deliver e => state with { Waiters = state.Waiters.Remove(e.Want) },
        Effect.Expire e => Without(state, e.Waiter),
        Effect.Forget e => Without(state, e.Waiter),
        Effect.Retract e => Retracted(state, e),
        Effect.Trim e => Trimmed(state, e.First),
        Effect.Answer or Effect.Append or Effect.Fetch => state,
        _ => throw new UnreachableException(),
    };

    private static RoomState Numbered(RoomState state, Effect.Persist e)
    {
        var numbered = state with { Next = e.At.Next, Pending = state.Pending.Add(new PendingPost(e.At, e.Message, Seq1(e.Poster), e.Key)) };
        return e.Key.Match(key => numbered.Remember(key, new KeyEntry(e.At, e.Message)), () => numbered);
    }

    private static RoomState Published(RoomState state, Effect.Publish e) =>
        Erased((state with
        {
            Visible = e.At.Next,
            Next = e.At >= state.Next ? e.At.Next : state.Next, // a shared log numbers without a Persist
            Pending = state.Pending.Count > 0 && state.Pending[0].At == e.At ? state.Pending.RemoveAt(0) : state.Pending.Filter(p => p.At != e.At),
            Recent = state.Recent.Add(e.Message),
            RecentBytes = state.RecentBytes + e.Message.Bytes,
        }).TrimWindow(), e);

    /// A published removal erases its target where the room still holds it: the window, and the key that named it.
    private static RoomState Erased(RoomState state, Effect.Publish e)
    {
        if (e.Message.Removes.Case is not MessageIndex target) return state;
        // The first removal stands, as in the stores: a second one (its key forgotten meanwhile) changes nothing here.
        var erased = state with { Keys = state.Keys.Map(k => k.At == target && k.Message.RemovedBy.IsNone ? k with { Message = k.Message.ErasedBy(e.At) } : k) };
        var offset = target.Value - state.RecentStart.Value;
        if (offset < 0 || offset >= state.Recent.Count || state.Recent[(int)offset].RemovedBy.IsSome) return erased;
        var old = state.Recent[(int)offset];
        return erased with { Recent = state.Recent.SetItem((int)offset, old.ErasedBy(e.At)), RecentBytes = state.RecentBytes - old.Bytes };
    }

    /// A shared log trimmed past what this node published: the room starts again at <paramref name="first"/>.
    private static RoomState Trimmed(RoomState state, MessageIndex first)
    {
        var trimmed = (state with { First = first }).TrimWindow();
        return first <= state.Visible ? trimmed : trimmed with
        {
            Visible = first,
            Next = first > state.Next ? first : state.Next,
            RecentStart = first,
            Recent = Chat.Collections.Window<Message>.Empty,
            RecentBytes = 0,
        };
    }

    private static RoomState Without(RoomState state, Waiter waiter) =>
        state.Waiters.Find(waiter.Want).Match(
            Some: set => set.Remove(waiter.Id) is var rest && rest.IsEmpty
                ? state with { Waiters = state.Waiters.Remove(waiter.Want) }
                : state with { Waiters = state.Waiters.SetItem(waiter.Want, rest) },
            None: () => state);

    private static RoomState Retracted(RoomState state, Effect.Retract e)
    {
        var lostKeys = state.Pending.Filter(p => p.At >= e.From).Choose(p => p.Key).ToHashSet();
        return state with
        {
            Next = e.From,
            Pending = state.Pending.Filter(p => p.At < e.From),
            Keys = lostKeys.Fold(state.Keys, (keys, key) => keys.Remove(key)),
            KeyOrder = state.KeyOrder.Filter(key => !lostKeys.Contains(key)),
        };
    }
}
