using System.Globalization;
using System.Text;
using System.Text.Json;
using Chat.Core;
using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Auth;
using Chat.Host.Options;
using Chat.Host.Rooms;
using Chat.Host.Storage;
using LanguageExt;
using Microsoft.Extensions.Options;

namespace Chat.Host.Endpoints;

/// `GET /rooms/{room}/events`: Server-Sent Events, the seed's "streaming technique". It is the batch long poll
/// in a loop on one response: replay from the store, then live, with the index as the cursor, so the seam
/// between the two has no gap and no duplicate. Resumes after `Last-Event-ID` or at `?from=N`; without
/// either it starts at the room's end. `?format=json` makes each event's data the batch's JSON object for the
/// message (text, author, time) instead of the text.
public static class Events
{
    /// In a protected room the token must allow reading; the stream ends at the token's expiry, with a comment that
    /// says so, and its client reconnects with a fresh token (the `Last-Event-ID` resumes it where it was).
    public static async Task HandleAsync(string room, string? from, string? format, HttpContext http, RoomDirectory rooms, IMessageStore store,
        IOptions<ChatOptions> options, Access access)
    {
        var name = RoomName.Parse(room);
        DateTimeOffset? ends = null;
        if (name.IsRight && access.IsProtected((RoomName)name))
        {
            var allowed = await access.CheckAsync(http, (RoomName)name, Act.Read);
            if (allowed.IsLeft)
            {
                await Problems.For((Rejection)allowed).ExecuteAsync(http);
                return;
            }
            ends = access.EndsAt((Grant)allowed); // a reconnect before it would be taken, and end again at once
        }
        var lastEventId = http.Request.Headers["Last-Event-ID"].FirstOrDefault();
        var asked = await rooms.FindAsync(from n in name
                                          from start in Start(lastEventId, @from)
                                          from json in Json(format)
                                          select (n, (start, json)));
        await asked.Match(
            Right: ok => FollowAsync(ok.Room, ok.Asked.start.IfNone(() => ok.Room.State.Visible), ok.Asked.json, ends, http, rooms, store, options.Value),
            Left: rejection => Problems.For(rejection).ExecuteAsync(http));
    }

    private static Either<Rejection, Option<MessageIndex>> Start(string? lastEventId, string? from) =>
        lastEventId is not null ? Batch.Parameter("Last-Event-ID", lastEventId, 0, long.MaxValue - 1).Map(id => Option<MessageIndex>.Some(new MessageIndex(id + 1)))
        : from is not null ? Batch.Parameter("from", from, 0, long.MaxValue).Map(v => Option<MessageIndex>.Some(new MessageIndex(v)))
        : Option<MessageIndex>.None;

    private static Either<Rejection, bool> Json(string? format) =>
        format is null or "text" ? false
        : format == "json" ? true
        : new Rejection.BadParameter("format", "'format' is 'text' (the default: data is the message's text) or 'json'.");

    private static async Task FollowAsync(RoomLoop room, MessageIndex next, bool json, DateTimeOffset? ends, HttpContext http, RoomDirectory rooms, IMessageStore store, ChatOptions options)
    {
        if (next > room.State.Next)
        {
            await Problems.Ahead(new Reply.Ahead(next, room.State.Visible)).ExecuteAsync(http);
            return;
        }
        if (next < room.State.First)
        {
            await Problems.Gone(new Reply.Gone(next, room.State.First)).ExecuteAsync(http);
            return;
        }
        if (Seat.Take(rooms.Quota, room.PresenceAlone, ClientKey.Of(http), http.Connection.RemoteIpAddress, out var refused) is not { } seat)
        {
            await Problems.For(refused!).ExecuteAsync(http);
            return;
        }
        using (seat) await StreamAsync(room, next, json, ends, http, rooms, store, options); // one seat for the stream's whole life
    }

    private static async Task StreamAsync(RoomLoop room, MessageIndex next, bool json, DateTimeOffset? ends, HttpContext http, RoomDirectory rooms,
        IMessageStore store, ChatOptions options)
    {
        var response = http.Response;
        await BeginAsync(response);
        var aborted = http.RequestAborted;
        var asker = Asker.Of(http, seated: true);
        while (!aborted.IsCancellationRequested && !rooms.Stopping)
        {
            using var quiet = await QuietAsync(response, ends, aborted, options.KeepAlive);
            if (quiet is null) return;
            var outcome = await Poll.AskAsync(room, new Want(next, options.MaxBatch), asker, rooms, quiet.Token);
            outcome = await LongPoll.ReadOlderAsync(outcome, room, store);
            if (outcome is Outcome.Unavailable or Outcome.Refused or Outcome.Replied { Reply: Reply.Gone }) break; // the client reconnects with Last-Event-ID
            var messages = outcome is Outcome.Messages m ? m.Items : Seq<Message>.Empty;
            await WriteAsync(response, messages.IsEmpty ? ": keep-alive\n\n" : Format(next, messages, json));
            next = next.Plus(messages.Count);
        }
    }

    /// One event per message: `id:` its index, one `data:` line per line of text (the SSE parser splits on
    /// CR, LF and CRLF and joins with LF, so a CR in a message arrives as LF: use the seed protocol for exact bytes).
    /// With <paramref name="json"/>, one `data:` line of JSON (which escapes every line break) per message.
    public static string Format(MessageIndex from, Seq<Message> messages, bool json = false)
    {
        var events = new StringBuilder();
        var index = from.Value;
        foreach (var message in messages)
        {
            events.Append("id: ").Append(index.ToString(CultureInfo.InvariantCulture)).Append('\n');
            if (json) events.Append("data: ").Append(JsonSerializer.Serialize(Batch.Item.Of(index, message), Endpoints.Json.Options)).Append('\n');
            else foreach (var line in message.Text.Value.ReplaceLineEndings("\n").Split('\n')) events.Append("data: ").Append(line).Append('\n');
            events.Append('\n');
            index++;
        }
        return events.ToString();
    }

    /// The stream's head: never cached, passed on by proxies at once, and a client that reconnects after 1 s.
    public static async Task BeginAsync(HttpResponse response)
    {
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = Headers.NoStore;
        response.Headers["X-Accel-Buffering"] = "no"; // nginx and kin: pass each event on at once
        await WriteAsync(response, "retry: 1000\n\n");
    }

    /// A token for the next poll, given up at the keep-alive interval (a quiet room then gets a keep-alive comment) or
    /// when the token stops being taken; null once it has (the stream then ends, saying why).
    public static async Task<CancellationTokenSource?> QuietAsync(HttpResponse response, DateTimeOffset? ends, CancellationToken aborted, TimeSpan keepAlive)
    {
        var left = ends - DateTimeOffset.UtcNow;
        if (left <= TimeSpan.Zero)
        {
            await WriteAsync(response, ": the token has expired; reconnect with a fresh one\n\n");
            return null;
        }
        var quiet = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        quiet.CancelAfter(left < keepAlive ? left.Value : keepAlive);
        return quiet;
    }

    public static async Task WriteAsync(HttpResponse response, string text)
    {
        try
        {
            await response.WriteAsync(text);
            await response.Body.FlushAsync();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException) { } // the client left; the loop sees it
    }
}
