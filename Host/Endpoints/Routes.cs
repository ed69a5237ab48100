using Chat.Core.Values;
using Chat.Host.Rooms;
using Chat.Host.Storage;
using Microsoft.Extensions.Options;
using Chat.Host.Options;

namespace Chat.Host.Endpoints;

/// The one route table. The seed's `/chat/...` is the room named `chat`; `/rooms/{room}/...` is any room,
/// with the same handlers. Every path answers its other methods 405 with `Allow`.
public static class Routes
{
    private static readonly string[] Reads = [HttpMethods.Get, HttpMethods.Head];

    public static IEndpointRouteBuilder MapChat(this IEndpointRouteBuilder app)
    {
        var seed = app.MapGroup("/chat").WithTags("Seed protocol");
        seed.MapPost("/post", (HttpContext http, RoomDirectory rooms, IOptions<ChatOptions> options, ILogger<RoomLoop> log) =>
            Post.HandleAsync(RoomName.Default.Value, "/chat", http, rooms, options, log));
        seed.MapMethods("/get/{n}", Reads, (string n, HttpContext http, RoomDirectory rooms, IMessageStore store) =>
            Get.HandleAsync(RoomName.Default.Value, n, http, rooms, store));
        Only(seed, "/post", "POST");
        Only(seed, "/get/{n}", "GET, HEAD");

        var room = app.MapGroup("/rooms/{room}").WithTags("Rooms");
        room.MapPost("/post", (string room, HttpContext http, RoomDirectory rooms, IOptions<ChatOptions> options, ILogger<RoomLoop> log) =>
            Post.HandleAsync(room, $"/rooms/{room}", http, rooms, options, log));
        room.MapMethods("/get/{n}", Reads, (string room, string n, HttpContext http, RoomDirectory rooms, IMessageStore store) =>
            Get.HandleAsync(room, n, http, rooms, store));
        room.MapMethods("", Reads, (string room, RoomDirectory rooms) => Status.Handle(room, rooms));
        Only(room, "/post", "POST");
        Only(room, "/get/{n}", "GET, HEAD");
        Only(room, "", "GET, HEAD");
        return app;
    }

    /// Every other method on <paramref name="pattern"/> gets 405 and the list it may use.
    private static void Only(RouteGroupBuilder group, string pattern, string allow)
    {
        var allowed = allow.Split(", ");
        var others = new[] { "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE" }.Except(allowed).ToArray();
        group.MapMethods(pattern, others, () => Problems.MethodNotAllowed(allow)).ExcludeFromDescription();
    }
}
