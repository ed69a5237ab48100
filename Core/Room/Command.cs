using Chat.Core.Values;
using LanguageExt;

namespace Chat.Core.Room;

/// What a room is asked. Closed: every case is nested here.
public abstract record Command
{
    private Command() { }

    /// Seed: POST /chat/post. Append a message (its time is the host's, taken as the post arrives); <see cref="Poster"/> is
    /// answered once it is stored. A removal (<see cref="Message.Removal"/>) is posted like a message: it is an entry of
    /// the log, and the store erases its target in the same write.
    public sealed record Post(Message Message, WaiterId Poster, Option<IdempotencyKey> Key) : Command;

    /// Seed: GET /chat/get/N. A waiter asks for messages from an index on.
    public sealed record Subscribe(Waiter Waiter) : Command;

    /// The waiter's client hung up: drop it without an answer.
    public sealed record Reset(Waiter Waiter) : Command;

    /// The waiter's poll time is up (the host's clock): answer "nothing yet".
    public sealed record Timeout(Waiter Waiter) : Command;

    /// The store has made every message below <see cref="UpTo"/> durable.
    public sealed record Stored(MessageIndex UpTo) : Command;

    /// The store failed to keep the messages from <see cref="From"/> on: they never happened.
    public sealed record Failed(MessageIndex From) : Command;

    /// Shared log (several nodes): the log holds <see cref="Message"/> at <see cref="At"/>. Entries may come late,
    /// twice or out of order; the room publishes each index once, in order.
    public sealed record Logged(MessageIndex At, Message Message) : Command;

    /// Retention: the store no longer keeps the messages below <see cref="First"/>.
    public sealed record Trim(MessageIndex First) : Command;

    /// Shared log: the log answered a post's append (its index, a key conflict, or a failure).
    public sealed record Appended(WaiterId Poster, Reply Reply) : Command;
}
