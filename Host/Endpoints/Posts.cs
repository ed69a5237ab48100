using System.Net;
using Chat.Core;
using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Auth;
using Chat.Host.Observability;
using Chat.Host.Options;
using Chat.Host.Rooms;
using LanguageExt;
using Microsoft.Extensions.Options;

namespace Chat.Host.Endpoints;

/// A post from its parts to its answer, shared by Kestrel's route (<see cref="Post"/>) and the transport path
/// (Host/Transport): the message it makes, its room's loop, and the answer once it is stored.
public sealed class Posts(RoomDirectory rooms, IOptions<ChatOptions> options, TimeProvider clock, Access access, PostRate rate, ILogger<RoomLoop> log)
{
    public PostRate Rate => rate;
    public int MaxMessageBytes => options.Value.MaxMessageBytes;

    /// In a protected room, the grant of a token that may post there (its name is the author), or why not (401, 403);
    /// an open room (or a name that does not parse) needs none.
    public async ValueTask<(Rejection? Refused, Grant? Grant)> AllowAsync(Either<Rejection, RoomName> name, string? token)
    {
        if (name.IsLeft || !access.IsProtected((RoomName)name)) return (null, null);
        var allowed = await access.CheckAsync(token, (RoomName)name, Act.Post);
        return allowed.IsLeft ? ((Rejection)allowed, null) : (null, (Grant)allowed);
    }

    /// The room's loop and the message, stamped now; or why not. A protected room's author is its token's name.
    public ValueTask<Either<Rejection, (RoomLoop Room, (Message Message, Option<IdempotencyKey> Key) Asked)>> FindAsync(
        Either<Rejection, RoomName> name, Either<Rejection, Option<IdempotencyKey>> key, Either<Rejection, Form.Fields> form, Grant? grant) =>
        rooms.FindAsync(from n in name
                        from k in key
                        from fields in form
                        from text in MessageText.Parse(fields.Message, MaxMessageBytes)
                        from author in AuthorName.Parse(grant is null ? fields.Name : grant.Name)
                        select (n, (new Message(text, author, Stamp()), k)));

    /// Sends the message to its room's loop; the answer comes once it is stored (or could not be).
    public async Task<Answer> SubmitAsync(RoomLoop loop, Message message, Option<IdempotencyKey> key, ClientKey client, IPAddress? address, string prefix)
    {
        var exchange = Exchange.ForPost();
        loop.Send(new Command.Post(message, exchange.Id, key), exchange);
        var outcome = await exchange.Task.ConfigureAwait(false);
        if (outcome is Outcome.Replied { Reply: Reply.Posted p })
        {
            Log.Posted(log, loop.Name.Value, p.At.Value, message.Bytes, address);
            message.Author.IfSome(name => loop.Presence.Named(client, name));
        }
        return Render(outcome, loop.Name, prefix);
    }

    /// Now, to the millisecond (what every view of the message shows).
    private Option<DateTimeOffset> Stamp() => DateTimeOffset.FromUnixTimeMilliseconds(clock.GetUtcNow().ToUnixTimeMilliseconds());

    private static Answer Render(Outcome outcome, RoomName room, string prefix) => outcome switch
    {
        Outcome.Replied { Reply: Reply.Posted p } => Responses.Posted(room, p.At, $"{prefix}/get/{p.At}"),
        Outcome.Replied { Reply: Reply.KeyConflict c } => Problems.KeyConflict(c),
        Outcome.Unavailable u => Problems.Unavailable(u.Why),
        Outcome.Replied { Reply: Reply.StoreFailed { MaybeStored: true } } => Problems.OutcomeUnknown(),
        _ => Problems.StoreFailed(),
    };
}
