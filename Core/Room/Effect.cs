using Chat.Core.Values;
using LanguageExt;

namespace Chat.Core.Room;

/// What the host must do: data, never a call. Closed: every case is nested here.
/// Each is also the event that <see cref="Room.Evolve"/> folds into the state.
public abstract record Effect
{
    private Effect() { }

    /// Keep the waiter until it is delivered, expires or goes away (start its timer, watch its socket).
    public sealed record Hold(Waiter Waiter) : Effect;

    /// Write this message at this index, then answer with <see cref="Command.Stored"/> (or <see cref="Command.Failed"/>).
    public sealed record Persist(MessageIndex At, Message Message, WaiterId Poster, Option<IdempotencyKey> Key) : Effect;

    /// A retried post whose first attempt is still being stored: answer this poster when it is.
    public sealed record AwaitStore(WaiterId Poster, MessageIndex At) : Effect;

    /// The message at this index is durable and visible from now on.
    public sealed record Publish(MessageIndex At, Message Message) : Effect;

    /// Complete every held waiter of this want with the same messages (the fan-out: encode once, write to all).
    public sealed record Deliver(Seq<WaiterId> To, Want Want, Seq<Message> Messages) : Effect;

    /// Answer one exchange at once.
    public sealed record Answer(WaiterId To, Reply Reply) : Effect;

    /// The waiter's poll time is up: answer 204 so its client polls again.
    public sealed record Expire(Waiter Waiter) : Effect;

    /// The waiter's client is gone: drop it, no answer.
    public sealed record Forget(Waiter Waiter) : Effect;

    /// The store lost the messages from this index on: the numbering goes back to it.
    public sealed record Retract(MessageIndex From) : Effect;

    /// Retention: the messages below this index are gone; polls for them are answered <see cref="Reply.Gone"/>.
    public sealed record Trim(MessageIndex First) : Effect;

    /// Shared log: append this message; the log numbers it. Answer with <see cref="Command.Appended"/>.
    public sealed record Append(Message Message, WaiterId Poster, Option<IdempotencyKey> Key) : Effect;

    /// Shared log: this room has a gap; read the log from this index on and feed each entry as <see cref="Command.Logged"/>.
    public sealed record Fetch(MessageIndex From) : Effect;
}
