using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Rooms;
using Chat.Host.Storage;
using LanguageExt;

namespace Chat.Host.Endpoints;

/// Seed: `GET /get/N`. Parse, ask the room, and turn its outcome into the response.
public static class Get
{
    public static async Task<IResult> HandleAsync(string? room, string n, HttpContext http, RoomDirectory rooms, IMessageStore store)
    {
        var asked = from name in RoomName.Parse(room)
                    from index in MessageIndex.Parse(n)
                    from loop in rooms.Find(name)
                    select (loop, index);
        return await asked.MatchAsync(
            RightAsync: ok => PollAsync(ok.loop, Want.One(ok.index)),
            Left: Problems.For);
        async Task<IResult> PollAsync(RoomLoop loop, Want want) =>
            await RenderAsync(await Poll.AskAsync(loop, want, http, rooms, http.RequestAborted), loop.Name, store);
    }

    private static async Task<IResult> RenderAsync(Outcome outcome, RoomName room, IMessageStore store) => outcome switch
    {
        Outcome.Messages m => Replies.Message(m),
        Outcome.FromStore f => Loaded(await store.ReadAsync(room, f.Want), f.Want.At),
        Outcome.Replied { Reply: Reply.Ahead a } => Problems.Ahead(a),
        Outcome.Expired => Replies.Expired(),
        Outcome.Unavailable u => Problems.Unavailable(u.Why),
        Outcome.Refused r => Problems.For(r.Rejection),
        _ => Results.Empty, // Gone: the client hung up; nobody reads this
    };

    private static IResult Loaded(Seq<MessageText> texts, MessageIndex at) =>
        texts.IsEmpty ? Problems.Unavailable("the message could not be read from the store") : Replies.Message(new Outcome.Messages(at, texts, WasHeld: false));
}
