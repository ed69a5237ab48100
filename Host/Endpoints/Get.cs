using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Rooms;
using Chat.Host.Storage;
using Chat.Core;
using LanguageExt;

namespace Chat.Host.Endpoints;

/// Seed: `GET /get/N`. Parse, ask the room, and turn its outcome into the response.
public static class Get
{
    /// One async frame from here to the held exchange, and it writes its own response: every frame a held poll
    /// keeps alive costs memory times the number of polls held (15,000 in the benchmark), so no MatchAsync, no
    /// local async function, and no Task&lt;IResult&gt; (the endpoint would add a frame awaiting it).
    public static async Task HandleAsync(string? room, string n, HttpContext http, RoomDirectory rooms, IMessageStore store)
    {
        var asked = await rooms.FindAsync(from name in RoomName.Parse(room)
                                          from index in MessageIndex.Parse(n)
                                          select (name, index));
        IResult answer;
        if (asked.Case is Rejection rejection) answer = Problems.For(rejection);
        else
        {
            var (room0, at) = ((RoomLoop, MessageIndex))asked.Case!;
            var outcome = await Poll.AskAsync(room0, Want.One(at), http, rooms, Poll.HangUp(http));
            answer = outcome switch
            {
                Outcome.Messages m => Replies.Message(m),
                Outcome.FromStore f => Loaded(await store.ReadAsync(room0.Name, f.Want), f.Want.At),
                _ => Replies.WithoutMessages(outcome),
            };
        }
        await answer.ExecuteAsync(http);
    }

    private static IResult Loaded(Seq<MessageText> texts, MessageIndex at) =>
        texts.IsEmpty ? Problems.Unavailable("the message could not be read from the store") : Replies.Message(new Outcome.Messages(at, texts, WasHeld: false));
}
