using System.Text;
using Chat.Core.Room;
using Chat.Core.Values;
using LanguageExt;

namespace Chat.Host.Rooms;

/// How an exchange ended, as the interpreter tells the waiting handler. Closed.
public abstract record Outcome
{
    private Outcome() { }

    /// Messages from an index on. <see cref="WasHeld"/>: it answers a poll that waited, so it must not be cached.
    /// One instance is shared by every waiter of a fan-out, so the bytes are encoded once, not once per waiter.
    public sealed record Messages(MessageIndex From, Seq<Message> Items, bool WasHeld) : Outcome
    {
        private byte[]? _first;

        /// The first message's UTF-8 bytes (a seed poll's whole body). Racing threads compute the same bytes.
        public byte[] FirstUtf8 => _first ??= Encoding.UTF8.GetBytes(Items.Head.Text.Value);

        /// The seed poll's response for it (the first message as text), made once for every poll it answers.
        public Microsoft.AspNetCore.Http.IResult? TextReply { get; set; }
    }

    /// The core's immediate answer (not found, posted, key conflict, store failed).
    public sealed record Replied(Reply Reply) : Outcome;

    /// The messages are older than the room keeps in memory: the handler reads them from the store.
    public sealed record FromStore(Want Want) : Outcome;

    /// The poll time is up: 204, poll again.
    public sealed record Expired : Outcome;

    /// The client went away; nobody reads the answer.
    public sealed record Gone : Outcome;

    /// A limit refused the poll before it was held.
    public sealed record Refused(Chat.Core.Rejection Rejection) : Outcome;

    /// The room could not take the command (store or room failure); try again later.
    public sealed record Unavailable(string Why) : Outcome;

    /// The exchange wrote the response itself, with its endpoint's <see cref="IResponder"/> (a held seed or batch
    /// poll): nothing is left to do.
    public sealed record Answered : Outcome;

    public static readonly Outcome ExpiredOnce = new Expired();
    public static readonly Outcome AnsweredOnce = new Answered();
    public static readonly Outcome GoneOnce = new Gone();
}
