using Chat.Core.Values;

namespace Chat.Host.Rooms;

/// How an endpoint turns a poll's outcome into its response. One instance per endpoint, shared by every request:
/// a held poll carries it in its <see cref="Exchange"/> and writes its response when the outcome comes, so that
/// nothing else (no handler frame awaiting the outcome) is kept alive while the poll is held.
public interface IResponder
{
    Task RespondAsync(HttpContext http, RoomName room, Outcome outcome);
}
