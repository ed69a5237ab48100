using System.Globalization;
using System.Text;
using Chat.Core;
using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Options;
using Chat.Host.Rooms;
using Chat.Host.Storage;
using LanguageExt;
using Microsoft.Extensions.Options;

namespace Chat.Host.Endpoints;

/// `GET /rooms/{room}/events`: Server-Sent Events, the seed's "streaming technique". It is the batch long poll
/// in a loop on one response: replay from the store, then live, with the index as the cursor, so the seam
/// between the two has no gap and no duplicate. Resumes after `Last-Event-ID` or at `?from=N`; without
/// either it starts at the room's end.
public static class Events
{
    public static async Task HandleAsync(string room, string? from, HttpContext http, RoomDirectory rooms, IMessageStore store, IOptions<ChatOptions> options)
    {
        var lastEventId = http.Request.Headers["Last-Event-ID"].FirstOrDefault();
        var asked = await rooms.FindAsync(from name in RoomName.Parse(room)
                                          from start in Start(lastEventId, @from)
                                          select (name, start));
        await asked.Match(
            Right: ok => FollowAsync(ok.Room, ok.Asked.IfNone(() => ok.Room.State.Visible), http, rooms, store, options.Value),
            Left: rejection => Problems.For(rejection).ExecuteAsync(http));
    }

    private static Either<Rejection, Option<MessageIndex>> Start(string? lastEventId, string? from) =>
        lastEventId is not null ? Batch.Parameter("Last-Event-ID", lastEventId, 0, long.MaxValue - 1).Map(id => Option<MessageIndex>.Some(new MessageIndex(id + 1)))
        : from is not null ? Batch.Parameter("from", from, 0, long.MaxValue).Map(v => Option<MessageIndex>.Some(new MessageIndex(v)))
        : Option<MessageIndex>.None;

    private static async Task FollowAsync(RoomLoop room, MessageIndex next, HttpContext http, RoomDirectory rooms, IMessageStore store, ChatOptions options)
    {
        if (next > room.State.Next)
        {
            await Problems.Ahead(new Reply.Ahead(next, room.State.Visible)).ExecuteAsync(http);
            return;
        }
        if (rooms.Quota.TryTake(http.Connection.RemoteIpAddress, out var lease) is { } refused)
        {
            await Problems.For(refused).ExecuteAsync(http);
            return;
        }
        using var held = lease; // a stream is one held poll for its whole life
        var response = http.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = Headers.NoStore;
        response.Headers["X-Accel-Buffering"] = "no"; // nginx and kin: pass each event on at once
        await WriteAsync(response, "retry: 1000\n\n");
        var aborted = http.RequestAborted;
        while (!aborted.IsCancellationRequested && !rooms.Stopping)
        {
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            quiet.CancelAfter(options.KeepAlive); // a quiet room: give up this poll and send a keep-alive
            var outcome = await Poll.AskAsync(room, new Want(next, options.MaxBatch), http, rooms, quiet.Token, counted: true);
            var texts = outcome switch
            {
                Outcome.Messages m => m.Texts,
                Outcome.FromStore f => await store.ReadAsync(room.Name, f.Want),
                _ => Seq<MessageText>.Empty,
            };
            if (outcome is Outcome.Unavailable or Outcome.Refused) break; // the client reconnects with Last-Event-ID
            await WriteAsync(response, texts.IsEmpty ? ": keep-alive\n\n" : Format(next, texts));
            next = next.Plus(texts.Count);
        }
    }

    /// One event per message: `id:` its index, one `data:` line per line of text (the SSE parser splits on
    /// CR, LF and CRLF and joins with LF, so a CR in a message arrives as LF: use the seed protocol for exact bytes).
    public static string Format(MessageIndex from, Seq<MessageText> texts)
    {
        var events = new StringBuilder();
        var index = from.Value;
        foreach (var text in texts)
        {
            events.Append("id: ").Append(index++.ToString(CultureInfo.InvariantCulture)).Append('\n');
            foreach (var line in text.Value.ReplaceLineEndings("\n").Split('\n')) events.Append("data: ").Append(line).Append('\n');
            events.Append('\n');
        }
        return events.ToString();
    }

    private static async Task WriteAsync(HttpResponse response, string text)
    {
        try
        {
            await response.WriteAsync(text);
            await response.Body.FlushAsync();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException) { } // the client left; the loop sees it
    }
}
