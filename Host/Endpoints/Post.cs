using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Auth;
using Chat.Host.Observability;
using Chat.Host.Options;
using Chat.Host.Rooms;
using LanguageExt;
using Microsoft.Extensions.Options;

namespace Chat.Host.Endpoints;

/// Seed: `POST /post` with form field `message` (and `name`, the author's, optional). Answered only once the message
/// is stored, stamped with the time the host's clock gives as it arrives.
public static class Post
{
    /// In a protected room the token must allow posting (checked before the body is read), and its name is the author.
    public static async Task<IResult> HandleAsync(string room, string prefix, HttpContext http, RoomDirectory rooms, IOptions<ChatOptions> options,
        TimeProvider clock, Access access, ILogger<RoomLoop> log)
    {
        var max = options.Value.MaxMessageBytes;
        var name = RoomName.Parse(room);
        Grant? grant = null;
        if (name.IsRight && access.IsProtected((RoomName)name))
        {
            var allowed = await access.CheckAsync(http, (RoomName)name, Act.Post);
            if (allowed.IsLeft) return Problems.For((Chat.Core.Rejection)allowed);
            grant = (Grant)allowed;
        }
        var key = IdempotencyKey.Parse(http.Request.Headers["Idempotency-Key"].FirstOrDefault());
        var form = await Form.ReadPostAsync(http.Request, max);   // the only I/O before the core
        var post = await rooms.FindAsync(from n in name
                                         from k in key
                                         from fields in form
                                         from text in MessageText.Parse(fields.Message, max)
                                         from author in AuthorName.Parse(grant is null ? fields.Name : grant.Name)
                                         select (n, (new Message(text, author, Stamp(clock)), k)));
        return await post.MatchAsync(
            RightAsync: async ok =>
            {
                var ((message, k), loop) = (ok.Asked, ok.Room);
                var exchange = Exchange.ForPost();
                loop.Send(new Command.Post(message, exchange.Id, k), exchange);
                var outcome = await exchange.Task.ConfigureAwait(false);
                if (outcome is Outcome.Replied { Reply: Reply.Posted p })
                {
                    Log.Posted(log, loop.Name.Value, p.At.Value, message.Bytes, http.Connection.RemoteIpAddress);
                    message.Author.IfSome(name => loop.Presence.Named(ClientKey.Of(http), name));
                }
                return Render(outcome, loop.Name, prefix);
            },
            Left: Problems.For);
    }

    /// Now, to the millisecond (what every view of the message shows).
    private static Option<DateTimeOffset> Stamp(TimeProvider clock) => DateTimeOffset.FromUnixTimeMilliseconds(clock.GetUtcNow().ToUnixTimeMilliseconds());

    private static IResult Render(Outcome outcome, RoomName room, string prefix) => outcome switch
    {
        Outcome.Replied { Reply: Reply.Posted p } => Responses.Posted(room, p.At, $"{prefix}/get/{p.At}"),
        Outcome.Replied { Reply: Reply.KeyConflict c } => Problems.KeyConflict(c),
        Outcome.Unavailable u => Problems.Unavailable(u.Why),
        Outcome.Replied { Reply: Reply.StoreFailed { MaybeStored: true } } => Problems.OutcomeUnknown(),
        _ => Problems.StoreFailed(),
    };
}
