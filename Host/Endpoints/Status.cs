using Chat.Core.Values;
using Chat.Host.Rooms;
using LanguageExt;

namespace Chat.Host.Endpoints;

/// `GET /rooms/{room}`: where a room stands, so a client can start at the end instead of replaying history.
public static class Status
{
    public sealed record RoomStatus(string Room, long Next, int Held);

    public static IResult Handle(string room, RoomDirectory rooms) =>
        (from name in RoomName.Parse(room)
         from loop in rooms.Find(name)
         select loop.State is var s ? new RoomStatus(name.Value, s.Visible.Value, s.HeldCount) : null)
        .Match(Right: Replies.Json, Left: Problems.For);
}
