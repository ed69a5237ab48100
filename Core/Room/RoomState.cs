using Chat.Collections;
using Chat.Core.Values;
using LanguageExt;

namespace Chat.Core.Room;

/// A post the room has numbered but the store has not yet made durable.
public sealed record PendingPost(MessageIndex At, Message Message, Seq<WaiterId> Posters, Option<IdempotencyKey> Key);

/// What a retried key refers to.
public sealed record KeyEntry(MessageIndex At, Message Message);

/// One room, immutable. Messages from <see cref="First"/> (below it: trimmed by retention) to <see cref="Visible"/> are stored and may be read;
/// <see cref="Visible"/> to <see cref="Next"/> are numbered and on their way to the store.
/// Only a window of recent messages is kept here (<see cref="Window{T}"/>); the store has the rest.
/// The other sliding sequences are <see cref="Lst{A}"/>: a <see cref="Seq{A}"/> slid by Add and Tail keeps what it dropped.
public sealed record RoomState(
    RoomLimits Limits,
    MessageIndex Next,
    MessageIndex Visible,
    Lst<PendingPost> Pending,
    MessageIndex RecentStart,
    Window<Message> Recent,
    long RecentBytes,
    HashMap<EqValue<Want>, Want, HashSet<EqValue<WaiterId>, WaiterId>> Waiters,
    HashMap<IdempotencyKey, KeyEntry> Keys,
    Lst<IdempotencyKey> KeyOrder,
    bool SharedLog = false,
    MessageIndex First = default)
{
    /// A room whose numbering comes from a shared log (Redis): posts are appended there, and the room
    /// publishes what the log holds, in index order.
    public RoomState AsSharedLog() => this with { SharedLog = true };

    /// A room with no messages.
    public static RoomState Initial(RoomLimits limits) =>
        Restore(limits, MessageIndex.Zero, Seq<Message>.Empty, Seq<(IdempotencyKey, KeyEntry)>.Empty);

    /// A room as the store has it after a restart: <paramref name="count"/> messages, the last few of them
    /// in <paramref name="recent"/> (oldest first), and the idempotency keys still remembered (oldest first); those below
    /// <paramref name="first"/> were trimmed.
    public static RoomState Restore(RoomLimits limits, MessageIndex count, Seq<Message> recent, Seq<(IdempotencyKey Key, KeyEntry Entry)> keys, MessageIndex first = default)
    {
        var recentStart = new MessageIndex(count.Value - recent.Count);
        var empty = new RoomState(limits, count, count, Lst<PendingPost>.Empty, recentStart, Window<Message>.From(recent), recent.Sum(t => (long)t.Bytes),
            HashMap<EqValue<Want>, Want, HashSet<EqValue<WaiterId>, WaiterId>>.Empty, HashMap<IdempotencyKey, KeyEntry>.Empty, Lst<IdempotencyKey>.Empty);
        return keys.Fold((empty with { First = first }).TrimWindow(), (state, k) => state.Remember(k.Key, k.Entry));
    }

    /// How many exchanges are held, over every want.
    public int HeldCount => Waiters.Values.Sum(set => set.Count);

    /// <paramref name="count"/> messages of the window from <paramref name="at"/> on (the caller checked they are in it),
    /// by index: every poll that reads a recent message runs this.
    internal Seq<Message> RecentFrom(MessageIndex at, int count)
    {
        var offset = (int)(at.Value - RecentStart.Value);
        if (count == 1) return Prelude.Seq1(Recent[offset]);
        var texts = new Message[count];
        for (var i = 0; i < count; i++) texts[i] = Recent[offset + i];
        return Prelude.toSeq(texts);
    }

    internal RoomState TrimWindow()
    {
        var (start, recent, bytes) = (RecentStart, Recent, RecentBytes);
        while (recent.Count > 0 && (recent.Count > Limits.WindowCount || bytes > Limits.WindowBytes || start < First))
        {
            bytes -= recent[0].Bytes;
            recent = recent.RemoveFirst();
            start = start.Next;
        }
        return this with { RecentStart = start, Recent = recent, RecentBytes = bytes };
    }

    internal RoomState Remember(IdempotencyKey key, KeyEntry entry)
    {
        if (Limits.KeyCount <= 0) return this;
        var (keys, order) = (Keys.AddOrUpdate(key, entry), KeyOrder.Add(key));
        while (order.Count > Limits.KeyCount)
        {
            keys = keys.Remove(order[0]);
            order = order.RemoveAt(0);
        }
        return this with { Keys = keys, KeyOrder = order };
    }
}
