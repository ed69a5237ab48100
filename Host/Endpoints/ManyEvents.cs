using System.Text;
using System.Text.Json;
using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Auth;
using Chat.Host.Options;
using Chat.Host.Rooms;
using Chat.Host.Storage;
using LanguageExt;
using Asks = (Chat.Host.Rooms.RoomLoop Room, Chat.Core.Room.Want Want)[];

namespace Chat.Host.Endpoints;

/// `GET /events?from=lobby:41,dev:7`: several rooms as one Server-Sent Events stream, the many-room poll
/// (<see cref="ManyRooms"/>) in a loop on one response. Each event is one message, its data the batch's JSON object
/// with its room; its id is the cursor past it, so a reconnect with `Last-Event-ID` resumes every room where it was.
public static class ManyEvents
{
    public sealed record Item(string Room, long Index, string Text, string? Author, string? Time,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] long? Removes = null,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] long? RemovedBy = null);

    public static async Task HandleAsync(string? from, HttpContext http, RoomDirectory rooms, IMessageStore store, Access access, ChatOptions options)
    {
        var asked = await ManyRooms.FindAsync(http.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? from, null, http, rooms, access, options);
        if (asked.IsLeft)
        {
            await Problems.For((Chat.Core.Rejection)asked).ExecuteAsync(http);
            return;
        }
        var (asks, ends) = ((Asks, DateTimeOffset?))asked;
        if (asks.FirstOrDefault(a => a.Want.At > a.Room.State.Next) is { Room: not null } past)
        {
            await Problems.Ahead(new Reply.Ahead(past.Want.At, past.Room.State.Visible), past.Room.Name).ExecuteAsync(http);
            return;
        }
        if (asks.FirstOrDefault(a => a.Want.At < a.Room.State.First) is { Room: not null } trimmed)
        {
            await Problems.Gone(new Reply.Gone(trimmed.Want.At, trimmed.Room.State.First), trimmed.Room.Name).ExecuteAsync(http);
            return;
        }
        if (Seat.Take(rooms.Quota, [.. asks.Select(a => a.Room.Presence)], ClientKey.Of(http), http.Connection.RemoteIpAddress, out var refused) is not { } seat)
        {
            await Problems.For(refused!).ExecuteAsync(http);
            return;
        }
        using (seat) await StreamAsync(asks, ends, http, rooms, store, options); // one seat for the stream's whole life
    }

    private static async Task StreamAsync(Asks asks, DateTimeOffset? ends, HttpContext http, RoomDirectory rooms, IMessageStore store, ChatOptions options)
    {
        var response = http.Response;
        await Events.BeginAsync(response);
        var aborted = http.RequestAborted;
        var asker = Asker.Of(http, seated: true);
        while (!aborted.IsCancellationRequested && !rooms.Stopping)
        {
            using var quiet = await Events.QuietAsync(response, ends, aborted, options.KeepAlive);
            if (quiet is null) return;
            var outcomes = await Poll.AskEachAsync(asks, asker, rooms, quiet.Token);
            var got = await ManyRooms.MessagesAsync(asks, outcomes, store);
            if (outcomes.Any(o => o is Outcome.Unavailable or Outcome.Refused) || ManyRooms.Refused(asks, outcomes) is not null) break; // reconnect
            var events = Format(asks, got);
            await Events.WriteAsync(response, events.Length == 0 ? ": keep-alive\n\n" : events);
        }
    }

    /// One event per message, each room's in order; each message moves its room's want on, and the event's id is the
    /// cursor past it.
    private static string Format(Asks asks, Seq<Message>[] got)
    {
        var events = new StringBuilder();
        for (var i = 0; i < asks.Length; i++)
            foreach (var message in got[i])
            {
                var (room, want) = asks[i];
                var item = Batch.Item.Of(want.At.Value, message);
                asks[i] = (room, want with { At = want.At.Next });
                events.Append("id: ").Append(Cursor.Format(asks.Select(a => (a.Room.Name, a.Want.At)))).Append('\n')
                    .Append("data: ").Append(JsonSerializer.Serialize(new Item(room.Name.Value, item.Index, item.Text, item.Author, item.Time, item.Removes, item.RemovedBy), Json.Options))
                    .Append("\n\n");
            }
        return events.ToString();
    }
}
