using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Rooms;
using Chat.Host.Storage;

namespace Chat.Host.Endpoints;

/// Seed: `GET /get/N`. Parse, ask the room, and turn its outcome into the response (<see cref="Answer"/>).
public static class Get
{
    public static Task HandleAsync(string? room, string n, HttpContext http, RoomDirectory rooms, Answer.Responder responder) =>
        Answer.RespondAsync(rooms.FindAsync(from name in RoomName.Parse(room)
                                            from index in MessageIndex.Parse(n)
                                            select (name, Want.One(index))), http, rooms, responder);

    /// Seed: the message at N as `text/plain`, exactly its bytes.
    public static Answer.Responder Responder(IMessageStore store) => new(store, static (_, m) => Replies.Message(m));
}
