using Chat.Core.Values;
using Chat.Host.Rooms;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Chat.Host.Endpoints;

/// `GET /rooms/{room}`: where a room stands, so a client can start at the end instead of replaying history.
public static class Status
{
    public sealed record RoomStatus(string Room, long Next, int Held);

    public static async Task<IResult> HandleAsync(string room, RoomDirectory rooms) =>
        (await rooms.FindAsync(RoomName.Parse(room).Map(name => (name, unit))))
        .Map(found => found.Room.State is var s ? new RoomStatus(found.Room.Name.Value, s.Visible.Value, s.HeldCount) : null)
        .Match(Right: Replies.Json, Left: Problems.For);
}
