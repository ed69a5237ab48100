using Chat.Core.Values;
using Chat.Host.Auth;
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

    /// The services every handler uses are singletons, taken here once: a handler parameter resolved from
    /// the request's services would open a service scope per request, kept alive by every held poll.
    private sealed record Services(RoomDirectory Rooms, IMessageStore Store, IOptions<ChatOptions> Options, TimeProvider Clock, IHereBoard Here, Access Access,
        Polls Polls, Posts Posts);

    /// On every chat endpoint: it writes its own problem+json for every error, so the status-code-pages
    /// middleware (for routing's own 404 and 415) stays out of its way and out of every held poll's memory.
    public sealed class OwnProblems
    {
        public static readonly OwnProblems Instance = new();
    }

    public static IEndpointRouteBuilder MapChat(this IEndpointRouteBuilder app)
    {
        var sp = app.ServiceProvider;
        var s = new Services(sp.GetRequiredService<RoomDirectory>(), sp.GetRequiredService<IMessageStore>(),
            sp.GetRequiredService<IOptions<ChatOptions>>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IHereBoard>(), sp.GetRequiredService<Access>(),
            sp.GetRequiredService<Polls>(), sp.GetRequiredService<Posts>());
        MapRoom(app.MapGroup("/chat").WithTags("Seed protocol (the room 'chat')").WithMetadata(OwnProblems.Instance), _ => RoomName.Default.Value, "/chat", s);
        MapRoom(app.MapGroup("/rooms/{room}").WithTags("Rooms").WithMetadata(OwnProblems.Instance), http => (string)http.Request.RouteValues["room"]!, null, s);

        var list = app.MapGroup("/rooms").WithTags("Rooms").WithMetadata(OwnProblems.Instance);
        list.MapMethods("", Reads, (string? after, string? limit, HttpContext http) => RoomList.HandleAsync(after, limit, http, s.Store, s.Options, s.Access))
            .WithSummary("Rooms that have messages, by name, a page at a time")
            .Produces<RoomList.Listing>().ProducesProblem(400);
        Only(list, "", "GET, HEAD");

        var many = app.MapGroup("/messages").WithTags("Rooms").WithMetadata(OwnProblems.Instance);
        many.MapMethods("", Reads, (string? from, string? limit, HttpContext http) => ManyRooms.HandleAsync(from, limit, http, s.Rooms, s.Store, s.Access, s.Options.Value))
            .WithSummary("Several rooms in one long poll: `from=lobby:41,dev:7` (room:N, or a room alone for its end); answered when any has messages, with `next`, the cursor to poll next")
            .Produces<ManyRooms.Page>().Produces(204).ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(410).ProducesProblem(429).ProducesProblem(503);
        Only(many, "", "GET, HEAD");
        var stream = app.MapGroup("/events").WithTags("Rooms").WithMetadata(OwnProblems.Instance);
        stream.MapGet("", (string? from, HttpContext http) => ManyEvents.HandleAsync(from, http, s.Rooms, s.Store, s.Access, s.Options.Value))
            .WithSummary("Several rooms as one Server-Sent Events stream: `from=lobby:41,dev:7`; each event is a message with its room, its id the cursor past it (resumed with Last-Event-ID)")
            .Produces<string>(200, "text/event-stream").ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(410).ProducesProblem(429);
        Only(stream, "", "GET");
        var authors = app.MapGroup("/authors/{author}/messages").WithTags("Moderation").WithMetadata(OwnProblems.Instance);
        authors.MapDelete("", (string author, string? rooms, HttpContext http) => Erase.HandleAsync(author, rooms, http, s.Rooms, s.Store, s.Clock, s.Access))
            .WithSummary("Erase every message of one author in the rooms `rooms` names (a pattern) that the token may moderate; answers how many")
            .Produces<Erase.Erased>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(503);
        Only(authors, "", "DELETE");
        return app;
    }

    /// The same endpoints for the default room and for named ones. <paramref name="prefix"/> is the fixed
    /// path of the default room; null means `/rooms/{room}`.
    private static void MapRoom(RouteGroupBuilder group, Func<HttpContext, string> room, string? prefix, Services s)
    {
        string Prefix(HttpContext http) => prefix ?? $"/rooms/{room(http)}";

        // (Delegate): a lambda of HttpContext alone would be taken as a RequestDelegate, its IResult dropped.
        group.MapPost("/post", (Delegate)((HttpContext http) => Post.HandleAsync(room(http), Prefix(http), http, s.Posts)))
            .WithSummary("Append a message (form field `message`, and `name`: the author's, optional); answered once it is stored")
            .Accepts<PostForm>("application/x-www-form-urlencoded", "multipart/form-data")
            .Produces<Responses.PostedBody>(201).ProducesProblem(400).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(429).ProducesProblem(503).ProducesProblem(401).ProducesProblem(403);
        group.MapMethods("/get/{n}", Reads, (string n, HttpContext http) => Get.HandleAsync(room(http), n, http, s.Polls.Get))
            .WithSummary("Message N: at once if it exists, held until it is posted if N is the next index, 204 at the poll timeout")
            .Produces<string>(200, Text).Produces(204).Produces(304).ProducesProblem(400).ProducesProblem(404).ProducesProblem(429).ProducesProblem(503)
            .ProducesProblem(401).ProducesProblem(403);
        group.MapMethods("/messages", Reads, (string? from, string? limit, HttpContext http) =>
                Batch.HandleAsync(room(http), from, limit, http, s.Polls.Batch, s.Options))
            .WithSummary("Every message from `from` on, up to `limit`; long-polls at the end of the room")
            .Produces<Batch.Page>().Produces(204).ProducesProblem(400).ProducesProblem(404).ProducesProblem(410).ProducesProblem(401).ProducesProblem(403);
        group.MapGet("/events", (string? from, string? format, HttpContext http) => Events.HandleAsync(room(http), from, format, http, s.Rooms, s.Store, s.Options, s.Access))
            .WithSummary("Server-Sent Events: one event per message, id = index; resumes after Last-Event-ID or at `from`; `format=json` sends each message's JSON object")
            .Produces<string>(200, "text/event-stream").ProducesProblem(400).ProducesProblem(404).ProducesProblem(410).ProducesProblem(401).ProducesProblem(403);
        group.MapMethods("", Reads, (Delegate)((HttpContext http) => Status.HandleAsync(room(http), http, s.Rooms, s.Here, s.Access)))
            .WithSummary("Where the room stands: its next index, how many polls it holds, and who is here (`here.count`, `here.names`)")
            .Produces<Status.RoomStatus>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(403);
        group.MapDelete("/messages/{n}", (string n, HttpContext http) => Remove.HandleAsync(room(http), n, http, s.Rooms, s.Store, s.Clock, s.Access))
            .WithSummary("Remove message N (a moderator's token): the removal is an entry of the room, delivered in order; N stays, erased")
            .Produces<Remove.Removed>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(410).ProducesProblem(503);
        Only(group, "/post", "POST");
        Only(group, "/get/{n}", "GET, HEAD");
        Only(group, "/messages", "GET, HEAD");
        Only(group, "/messages/{n}", "DELETE");
        Only(group, "/events", "GET");
        Only(group, "", "GET, HEAD");
    }

    /// The post form, for the OpenAPI document.
    public sealed record PostForm(string Message, string? Name);

    /// Every other method on <paramref name="pattern"/> gets 405 and the list it may use.
    private static void Only(RouteGroupBuilder group, string pattern, string allow)
    {
        var allowed = allow.Split(", ");
        var others = new[] { "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE" }.Except(allowed).ToArray();
        group.MapMethods(pattern, others, () => Problems.MethodNotAllowed(allow)).ExcludeFromDescription();
    }
}
