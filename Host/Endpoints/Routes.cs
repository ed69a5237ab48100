using Chat.Core.Values;
using Chat.Host.Options;
using Chat.Host.Rooms;
using Chat.Host.Storage;
using Microsoft.Extensions.Options;

namespace Chat.Host.Endpoints;

/// The one route table. The seed's `/chat/...` is the room named `chat`; `/rooms/{room}/...` is any room,
/// with the same handlers. Every path answers its other methods 405 with `Allow`.
public static class Routes
{
    private static readonly string[] Reads = [HttpMethods.Get, HttpMethods.Head];
    private const string Text = "text/plain", Problem = "application/problem+json";

    public static IEndpointRouteBuilder MapChat(this IEndpointRouteBuilder app)
    {
        MapRoom(app.MapGroup("/chat").WithTags("Seed protocol (the room 'chat')"), _ => RoomName.Default.Value, "/chat");
        MapRoom(app.MapGroup("/rooms/{room}").WithTags("Rooms"), http => (string)http.Request.RouteValues["room"]!, null);

        var list = app.MapGroup("/rooms").WithTags("Rooms");
        list.MapMethods("", Reads, (string? after, string? limit, IMessageStore store, IOptions<ChatOptions> options) =>
                RoomList.HandleAsync(after, limit, store, options))
            .WithSummary("Rooms that have messages, by name, a page at a time")
            .Produces<RoomList.Listing>().ProducesProblem(400);
        Only(list, "", "GET, HEAD");
        return app;
    }

    /// The same endpoints for the default room and for named ones. <paramref name="prefix"/> is the fixed
    /// path of the default room; null means `/rooms/{room}`.
    private static void MapRoom(RouteGroupBuilder group, Func<HttpContext, string> room, string? prefix)
    {
        string Prefix(HttpContext http) => prefix ?? $"/rooms/{room(http)}";

        group.MapPost("/post", (HttpContext http, RoomDirectory rooms, IOptions<ChatOptions> options, ILogger<RoomLoop> log) =>
                Post.HandleAsync(room(http), Prefix(http), http, rooms, options, log))
            .WithSummary("Append a message (form field `message`); answered once it is stored")
            .RequireRateLimiting(PostRate.Policy)
            .Accepts<PostForm>("application/x-www-form-urlencoded", "multipart/form-data")
            .Produces<Replies.PostedBody>(201).ProducesProblem(400).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(429).ProducesProblem(503);
        group.MapMethods("/get/{n}", Reads, (string n, HttpContext http, RoomDirectory rooms, IMessageStore store) =>
                Get.HandleAsync(room(http), n, http, rooms, store))
            .WithSummary("Message N: at once if it exists, held until it is posted if N is the next index, 204 at the poll timeout")
            .Produces<string>(200, Text).Produces(204).Produces(304).ProducesProblem(400).ProducesProblem(404).ProducesProblem(429).ProducesProblem(503);
        group.MapMethods("/messages", Reads, (string? from, string? limit, HttpContext http, RoomDirectory rooms, IMessageStore store, IOptions<ChatOptions> options) =>
                Batch.HandleAsync(room(http), from, limit, http, rooms, store, options))
            .WithSummary("Every message from `from` on, up to `limit`; long-polls at the end of the room")
            .Produces<Batch.Page>().Produces(204).ProducesProblem(400).ProducesProblem(404);
        group.MapGet("/events", (string? from, HttpContext http, RoomDirectory rooms, IMessageStore store, IOptions<ChatOptions> options) =>
                Events.HandleAsync(room(http), from, http, rooms, store, options))
            .WithSummary("Server-Sent Events: one event per message, id = index; resumes after Last-Event-ID or at `from`")
            .Produces<string>(200, "text/event-stream").ProducesProblem(400).ProducesProblem(404);
        group.MapMethods("", Reads, (HttpContext http, RoomDirectory rooms) => Status.HandleAsync(room(http), rooms))
            .WithSummary("Where the room stands: its next index and how many polls it holds")
            .Produces<Status.RoomStatus>().ProducesProblem(400);
        Only(group, "/post", "POST");
        Only(group, "/get/{n}", "GET, HEAD");
        Only(group, "/messages", "GET, HEAD");
        Only(group, "/events", "GET");
        Only(group, "", "GET, HEAD");
    }

    /// The post form, for the OpenAPI document.
    public sealed record PostForm(string Message);

    /// Every other method on <paramref name="pattern"/> gets 405 and the list it may use.
    private static void Only(RouteGroupBuilder group, string pattern, string allow)
    {
        var allowed = allow.Split(", ");
        var others = new[] { "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE" }.Except(allowed).ToArray();
        group.MapMethods(pattern, others, () => Problems.MethodNotAllowed(allow)).ExcludeFromDescription();
    }
}
