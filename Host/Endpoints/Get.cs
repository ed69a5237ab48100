using Chat.Core;
using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Auth;
using Chat.Host.Rooms;
using LanguageExt;

namespace Chat.Host.Endpoints;

/// Seed: `GET /get/N`. Parses the room and the index; the rest is the long poll's (<see cref="LongPoll"/>).
public static class Get
{
    public static Task HandleAsync(string? room, string n, HttpContext http, LongPoll poll) => poll.RespondAsync(Asked(room, n), http);

    /// The room and the index, or why not (the room's fault first). Either's own casts, not a query over the two parses:
    /// every poll runs this.
    public static Either<Rejection, (RoomName, Want)> Asked(string? room, string n)
    {
        var name = RoomName.Parse(room);
        if (name.IsLeft) return (Rejection)name;
        var index = MessageIndex.Parse(n);
        return index.IsLeft ? (Rejection)index : ((RoomName)name, Want.One((MessageIndex)index));
    }

    /// Seed: the message at N as `text/plain`, exactly its bytes (cached by the reader alone in a protected room).
    public static Func<RoomName, Outcome.Messages, Answer> Render(Access access) => (room, m) => Responses.Message(m, access.IsProtected(room));

    /// Seed: a trimmed index is an empty 200 that says where the room starts (see <see cref="Responses.Trimmed"/>).
    public static Func<RoomName, Reply.Gone, Answer> RenderGone(Access access) => (room, gone) => Responses.Trimmed(gone, access.IsProtected(room));
}
