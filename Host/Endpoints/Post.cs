using Chat.Core.Values;
using Chat.Host.Auth;
using Chat.Host.Rooms;
using LanguageExt;

namespace Chat.Host.Endpoints;

/// Seed: `POST /post` with form field `message` (and `name`, the author's, optional). Answered only once the message
/// is stored, stamped with the time the host's clock gives as it arrives.
public static class Post
{
    /// Within the client's post rate first; in a protected room the token must allow posting (checked before the body
    /// is read), and its name is the author.
    public static async Task<IResult> HandleAsync(string room, string prefix, HttpContext http, Posts posts)
    {
        if (posts.Rate.Take(http.Connection.RemoteIpAddress) is { } tooMany) return Problems.For(tooMany);
        var name = RoomName.Parse(room);
        var (refused, grant) = await posts.AllowAsync(name, Bearer.RawToken(http.Request));
        if (refused is not null) return Problems.For(refused);
        var key = IdempotencyKey.Parse(http.Request.Headers["Idempotency-Key"].FirstOrDefault());
        var form = await Form.ReadPostAsync(http.Request, posts.MaxMessageBytes);   // the only I/O before the core
        var found = await posts.FindAsync(name, key, form, grant);
        if (found.IsLeft) return Problems.For((Chat.Core.Rejection)found);
        var (loop, (message, k)) = ((RoomLoop, (Message, Option<IdempotencyKey>)))found;
        return await posts.SubmitAsync(loop, message, k, ClientKey.Of(http), http.Connection.RemoteIpAddress, prefix);
    }
}
