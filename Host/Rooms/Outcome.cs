using System.Security.Cryptography;
using System.Text;
using Chat.Core.Room;
using Chat.Core.Values;
using LanguageExt;

namespace Chat.Host.Rooms;

/// How an exchange ended, as its handler learns it. Closed.
public abstract record Outcome
{
    private Outcome() { }

    /// Messages from an index on. <see cref="WasHeld"/>: it answers a poll that waited, so it must not be cached.
    /// One instance answers every waiter of a fan-out (and every follower reading the same message), so the message
    /// is encoded once for all of them.
    public sealed record Messages(MessageIndex From, Seq<Message> Items, bool WasHeld) : Outcome
    {
        private byte[]? _first;
        private string? _digest;

        /// The first message's UTF-8 bytes (a seed poll's whole body). Racing threads make the same bytes.
        public byte[] FirstUtf8 => _first ??= Encoding.UTF8.GetBytes(Items.Head.Text.Value);

        /// The start of the SHA-256 of <see cref="FirstUtf8"/> in hex: what the ETag says of the bytes.
        public string Digest => _digest ??= Convert.ToHexStringLower(SHA256.HashData(FirstUtf8).AsSpan(0, 8));

        private Made? _made;

        /// What <paramref name="make"/> makes of these messages, made once for every poll they answer (a fan-out's
        /// response). Kept for the last maker asked; racing threads make the same.
        public T Once<T>(Func<Messages, T> make) where T : class => Once(make, make, static (m, make) => make(m));

        /// The same, with what the maker needs besides (the same for every poll these messages answer: their room).
        public T Once<TWith, T>(TWith with, Func<Messages, TWith, T> make) where T : class => Once(make, with, make);

        private T Once<TWith, T>(object by, TWith with, Func<Messages, TWith, T> make) where T : class
        {
            if (_made is { } made && ReferenceEquals(made.By, by)) return (T)made.Value;
            var value = make(this, with);
            _made = new Made(by, value);
            return value;
        }

        private sealed record Made(object By, object Value);
    }

    /// The room's reply without messages of its own: past the end, older than the room keeps (read the store),
    /// posted, key conflict, store failed.
    public sealed record Replied(Reply Reply) : Outcome;

    /// The poll time is up: 204, poll again.
    public sealed record Expired : Outcome;

    /// The client went away; nobody reads the answer.
    public sealed record Gone : Outcome;

    /// The poll waits in its room, and its own exchange writes the answer (<see cref="IHolder"/>): nothing to render now.
    public sealed record Held : Outcome;

    /// A limit refused the poll before it was held.
    public sealed record Refused(Chat.Core.Rejection Rejection) : Outcome;

    /// The room could not take the command (store or room failure); try again later.
    public sealed record Unavailable(string Why) : Outcome;

    public static readonly Outcome ExpiredOnce = new Expired();
    public static readonly Outcome GoneOnce = new Gone();
    public static readonly Outcome HeldOnce = new Held();
}
