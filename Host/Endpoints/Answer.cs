using Chat.Core;
using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Auth;
using Chat.Host.Rooms;
using Chat.Host.Storage;
using LanguageExt;

namespace Chat.Host.Endpoints;

/// The seed poll and the batch poll, once parsed: find the room, ask it, write the answer. Not async: a held poll
/// is its exchange alone, which writes the response when the outcome comes (<see cref="Poll.RespondAsync"/>).
/// Every frame a held poll kept alive would cost memory times the number of polls held (15,000 in the benchmark).
public static class Answer
{
    /// A parsed poll: a protected room's read is checked first (<see cref="Access.GuardAsync"/>); an open room's goes
    /// straight on. The closure lives in <see cref="GuardedAsync"/> only: captured here, it would be made for every poll.
    public static Task RespondAsync(Either<Rejection, (RoomName Name, Want Want)> asked, HttpContext http, RoomDirectory rooms, Responder responder, Access access) =>
        asked.IsRight && access.IsProtected((((RoomName, Want))asked).Item1)
            ? GuardedAsync(asked, http, rooms, responder, access)
            : RespondAsync(rooms.FindAsync(asked), http, rooms, responder);

    private static Task GuardedAsync(Either<Rejection, (RoomName Name, Want Want)> asked, HttpContext http, RoomDirectory rooms, Responder responder, Access access) =>
        access.GuardAsync(http, (((RoomName, Want))asked).Item1, Act.Read, _ => RespondAsync(rooms.FindAsync(asked), http, rooms, responder));

    public static Task RespondAsync(ValueTask<Either<Rejection, (RoomLoop Room, Want Want)>> found, HttpContext http, RoomDirectory rooms, Responder responder) =>
        found.IsCompletedSuccessfully ? Respond(found.Result, http, rooms, responder) : RespondWhenFoundAsync(found, http, rooms, responder);

    /// The room is being loaded (its first request since start, or since it was unloaded).
    private static async Task RespondWhenFoundAsync(ValueTask<Either<Rejection, (RoomLoop, Want)>> found, HttpContext http, RoomDirectory rooms, Responder responder) =>
        await Respond(await found, http, rooms, responder);

    private static Task Respond(Either<Rejection, (RoomLoop, Want)> found, HttpContext http, RoomDirectory rooms, Responder responder)
    {
        if (found.IsLeft) return Problems.For((Rejection)found).ExecuteAsync(http);
        var (room, want) = ((RoomLoop, Want))found; // Either's own cast: `Case` would box the pair
        return Poll.RespondAsync(room, want, http, rooms, responder);
    }

    /// A poll's outcome as its endpoint's response: messages as <paramref name="render"/> writes them (read from
    /// the store first when they are older than the room keeps), or no message: 204 at the poll timeout, else
    /// problem+json. One per endpoint, shared by all its requests.
    public sealed class Responder(IMessageStore store, Func<RoomName, Outcome.Messages, IResult> render) : IResponder
    {
        public async Task RespondAsync(HttpContext http, RoomName room, Outcome outcome)
        {
            if (outcome is Outcome.FromStore f) outcome = Loaded(await store.ReadAsync(room, f.Want), f.Want.At);
            var answer = outcome is Outcome.Messages m ? render(room, m) : Replies.WithoutMessages(outcome);
            await answer.ExecuteAsync(http);
        }

        private static Outcome Loaded(Seq<Message> messages, MessageIndex at) =>
            messages.IsEmpty ? new Outcome.Unavailable("the message could not be read from the store") : new Outcome.Messages(at, messages, WasHeld: false);
    }
}
