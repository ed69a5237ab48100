using System.Buffers;
using Chat.Core.Values;
using Chat.Host.Auth;
using Chat.Host.Endpoints;
using Chat.Host.Rooms;

namespace Chat.Host.Transport;

/// A post on the path: the seed's `POST /chat/post` and `/rooms/{room}/post`, a urlencoded form that came whole with
/// its head, within the client's rate (and, in a protected room, with a token that may post there). Its message goes to
/// the room's loop on this thread, so a post to followers held here is stored and sent with no hop to another thread
/// (nchan's one event loop does the same).
public sealed partial class HeldPollConnection
{
    /// Answers the post (false when the connection ends with it), or null, with nothing consumed, when Kestrel's route
    /// is to: anything it would refuse, a body still on its way, a client over its rate.
    private async Task<bool?> PostAsync(ReadOnlySequence<byte> rest)
    {
        var posts = shared.Posts;
        if (Posted(_head.Path) is not var (room, prefix) || _head.Query is not null || !_head.Form
            || _head.ContentLength is not { } length || rest.Length < length) return null;
        var name = RoomName.Parse(room);
        if (name.IsLeft) return null;
        var (refused, grant) = await posts.AllowAsync(name, _head.Token);
        if (refused is not null) return null; // 401 or 403, Kestrel's to answer
        var body = rest.Slice(0, length);
        var form = Form.UrlEncoded.Post(body.IsSingleSegment ? body.FirstSpan : body.ToArray());
        var found = await posts.FindAsync(name, IdempotencyKey.Parse(_head.IdempotencyKey), form, grant);
        var address = ClientAddress();
        // Refused here, the post is refused again by the route (a client's bucket is one for both paths).
        if (found.IsLeft || posts.Rate.Take(address) is not null) return null;
        connection.Input.AdvanceTo(body.End);
        (_requests, _address) = (_requests + 1, address);
        var (loop, (message, key)) = ((RoomLoop, (Message, LanguageExt.Option<IdempotencyKey>)))found;
        var (close, client) = (_head.Close, ClientKey.Of(_head.ClientId, address));
        return await WriteAsync(await posts.SubmitAsync(loop, message, key, client, address, prefix), close, head: false);
    }

    /// The room and the route's prefix of a post's path.
    private static (string Room, string Prefix)? Posted(string path)
    {
        Span<Range> at = stackalloc Range[Target.MaxSegments];
        return Target.Segments(path, at) switch
        {
            3 when Target.Is(path, at, "chat", "post") => (RoomName.Default.Value, "/chat"),
            4 when Target.Is(path, at, "rooms", null, "post") => (path[at[2]], path[..at[2].End.Value]),
            _ => null,
        };
    }
}
