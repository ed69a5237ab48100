using Chat.Core.Values;
using LanguageExt;

namespace Chat.Core.Room;

/// What a room answers one exchange at once. The host renders it for the kind of request it holds.
public abstract record Reply
{
    private Reply() { }

    /// Messages from <see cref="From"/> on (one for a seed poll, up to the limit for a batch).
    public sealed record Messages(MessageIndex From, Seq<Message> Items) : Reply;

    /// The messages are older than the room keeps in memory (<see cref="Want"/>, cut to what is stored): read them
    /// from the store.
    public sealed record FromStore(Want Want) : Reply;

    /// Seed: N > count is 404. <see cref="Next"/> is the room's count, for the problem detail.
    public sealed record Ahead(MessageIndex Asked, MessageIndex Next) : Reply;

    /// Retention: <see cref="Asked"/> is below the first index the room keeps.
    public sealed record Gone(MessageIndex Asked, MessageIndex First) : Reply;

    /// A post is stored at this index (for a removal: the removal's own index).
    public sealed record Posted(MessageIndex At) : Reply;

    /// The idempotency key was first used for a different message, stored at <see cref="At"/>.
    public sealed record KeyConflict(MessageIndex At) : Reply;

    /// The store could not keep the post; the client may retry. <paramref name="MaybeStored"/>: the store did not
    /// answer (a shared log that timed out or dropped the link after the append was sent), so the post may be in it
    /// all the same: only a retry with the same Idempotency-Key is safe, since it stores the post at most once.
    public sealed record StoreFailed(bool MaybeStored = false) : Reply;
}
