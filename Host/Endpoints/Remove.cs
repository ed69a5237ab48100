using Chat.Core;
using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Auth;
using Chat.Host.Rooms;
using Chat.Host.Storage;
using LanguageExt;

namespace Chat.Host.Endpoints;

/// `DELETE /rooms/{room}/messages/{n}`: a moderator removes message N. The removal is posted to the room like a message:
/// an entry of its own, numbered, stored and delivered in order, so every follower learns of it where it happened; the
/// store erases N's text and author in the same write, and N stays a placeholder (indexes never move).
public static class Remove
{
    public sealed record Removed(string Room, long Index, long Removal);

    public static async Task<IResult> HandleAsync(string room, string n, HttpContext http, RoomDirectory rooms, IMessageStore store, TimeProvider clock, Access access)
    {
        var name = RoomName.Parse(room);
        if (name.IsLeft) return Problems.For((Rejection)name);
        var grant = await access.CheckAsync(http, (RoomName)name, Act.Moderate);
        if (grant.IsLeft) return Problems.For((Rejection)grant);
        var index = MessageIndex.Parse(n);
        if (index.IsLeft) return Problems.For((Rejection)index);
        var found = await rooms.FindAsync((RoomName)name);
        if (found.IsLeft) return Problems.For((Rejection)found);
        var loop = (RoomLoop)found;
        var outcome = await RemoveAsync(loop, (MessageIndex)index, ((Grant)grant).Name, rooms, store, clock);
        return outcome switch
        {
            Outcome.Replied { Reply: Reply.Posted p } => Responses.Json(new Removed(loop.Name.Value, ((MessageIndex)index).Value, p.At.Value)),
            Outcome.Replied { Reply: Reply.Ahead a } => Problems.Ahead(a),
            Outcome.Replied { Reply: Reply.Gone g } => Problems.Gone(g),
            Outcome.Unavailable u => Problems.Unavailable(u.Why),
            Outcome.Replied { Reply: Reply.StoreFailed { MaybeStored: true } } => Problems.OutcomeUnknown(),
            _ => Problems.StoreFailed(),
        };
    }

    /// Removes one message; answered with the removal's index (the first removal's, when it was removed before), or
    /// past the end, or trimmed. A key of its own per index makes two removals of one message one entry; a name
    /// with a space is no key a client can send.
    public static async Task<Outcome> RemoveAsync(RoomLoop room, MessageIndex target, string? moderator, RoomDirectory rooms, IMessageStore store, TimeProvider clock)
    {
        var state = room.State;
        // The core sees its window only: for an older message the store says whether it was removed already.
        if (!state.SharedLog && target >= state.First && target < state.RecentStart
            && (await store.ReadAsync(room.Name, target, 1)).HeadOrNone().Bind(m => m.RemovedBy).Case is MessageIndex by)
            return new Outcome.Replied(new Reply.Posted(by));
        var now = DateTimeOffset.FromUnixTimeMilliseconds(clock.GetUtcNow().ToUnixTimeMilliseconds());
        var removal = Message.Removal(target, AuthorName.Parse(moderator).IfLeft(Option<AuthorName>.None), now);
        var exchange = Exchange.ForPost();
        room.Send(new Command.Post(removal, exchange.Id, IdempotencyKey.FromStore($"remove {target}")), exchange);
        var outcome = await exchange.Task.ConfigureAwait(false);
        if (state.SharedLog && outcome is Outcome.Replied { Reply: Reply.Posted p }) await AppliedAsync(room, p.At, rooms);
        return outcome;
    }

    /// With a shared log the log answers before this node has followed it to the removal, and until then the node's
    /// window still holds the text: the removal is acknowledged once this node has applied it (other nodes apply it
    /// as they follow the log: docs/operations.md).
    private static async Task AppliedAsync(RoomLoop room, MessageIndex removal, RoomDirectory rooms)
    {
        await rooms.CatchUpAsync(room);
        for (var waited = 0; room.State.Visible <= removal && waited < 5000; waited += 5) await Task.Delay(5);
    }
}
