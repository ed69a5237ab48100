using Chat.Core.Values;
using Chat.Host.Auth;
using Chat.Host.Rooms;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Chat.Host.Endpoints;

/// `GET /rooms/{room}`: where a room stands, so a client can start at the end instead of replaying history, and
/// who is here (see <see cref="Presence"/>): `here.count` clients follow it now, `here.names` those of them that
/// posted with a name recently.
public static class Status
{
    public sealed record RoomStatus(string Room, long First, long Next, int Held, Here Here);

    public static async Task<IResult> HandleAsync(string room, HttpContext http, RoomDirectory rooms, IHereBoard board, Access access)
    {
        var name = RoomName.Parse(room);
        if (name.IsRight && access.IsProtected((RoomName)name) && await access.CheckAsync(http, (RoomName)name, Act.Read) is { IsLeft: true } refused)
            return Problems.For((Chat.Core.Rejection)refused);
        var found = await rooms.FindAsync(name.Map(n => (n, unit)));
        if (found.IsLeft) return Problems.For((Chat.Core.Rejection)found);
        var (loop, _) = ((RoomLoop Room, Unit Asked))found;
        var state = loop.State;
        if (await rooms.NextAsync(loop) is not { IsSome: true } next) return Problems.Unavailable("The room's shared log cannot be read; retry.");
        return Responses.Json(new RoomStatus(loop.Name.Value, state.First.Value, ((MessageIndex)next).Value, state.HeldCount, await board.HereAsync(loop)));
    }
}
