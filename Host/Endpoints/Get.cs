using Chat.Core;
using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Auth;
using Chat.Host.Rooms;
using Chat.Host.Storage;
using LanguageExt;

namespace Chat.Host.Endpoints;

/// Seed: `GET /get/N`. Parse, ask the room, and turn its outcome into the response (<see cref="Answer"/>).
public static class Get
{
    public static Task HandleAsync(string? room, string n, HttpContext http, RoomDirectory rooms, Answer.Responder responder, Access access) =>
        Answer.RespondAsync(Asked(room, n), http, rooms, responder, access);

    /// The room and the index, or why not (the room's fault first). Every poll runs this, so it takes the two
    /// parses apart with Either's own casts, not a query over them (a closure per step, about 0.5 kB a poll
    /// here) nor `Case` (which boxes the index).
    private static Either<Rejection, (RoomName, Want)> Asked(string? room, string n)
    {
        var name = RoomName.Parse(room);
        if (name.IsLeft) return (Rejection)name;
        var index = MessageIndex.Parse(n);
        return index.IsLeft ? (Rejection)index : ((RoomName)name, Want.One((MessageIndex)index));
    }

    /// Seed: the message at N as `text/plain`, exactly its bytes (cached by the reader alone in a protected room).
    public static Answer.Responder Responder(IMessageStore store, Access access) => new(store, (room, m) => Replies.Message(m, access.IsProtected(room)));
}
