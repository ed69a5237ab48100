using System.Net;
using Chat.Core.Room;
using Chat.Core.Values;

namespace Chat.Host.Rooms;

/// Who polls: the client its presence counts and the address the held-poll quota counts. An event stream keeps one
/// seat for its whole life (<see cref="Seated"/>), so its polls take none.
public readonly record struct Asker(ClientKey Client, IPAddress? Address, bool Seated = false)
{
    public static Asker Of(HttpContext http, bool seated = false) => new(ClientKey.Of(http), http.Connection.RemoteIpAddress, seated);
}

/// Answer now or hold: the step of a long poll between finding its room and rendering its outcome, shared by the seed
/// poll, the batch poll and the event stream.
public static class Poll
{
    /// The core says what the poll gets now (<see cref="Room.Now"/>), on the room's latest immutable state: most polls
    /// of a busy room are answered here, without its loop. Only a poll that must wait is held in the loop.
    public static ValueTask<Outcome> AskAsync(RoomLoop room, Want want, Asker asker, RoomDirectory rooms, CancellationToken hangUp)
    {
        if (room.IsUnloaded) return AskItsNextLoopAsync(room.Name, want, asker, rooms, hangUp);
        switch (Room.Now(room.State, want))
        {
            case null: return HoldAsync(room, want, asker, rooms, hangUp);
            case Reply.Messages m: Seen(room, asker); return new(room.Read(m));
            case Reply.FromStore f: Seen(room, asker); return new(new Outcome.Replied(f));
            // Past the end here may not be past the end of a shared log: read it, then hold.
            case Reply.Ahead when room.State.SharedLog: return CaughtUpAsync(room, want, asker, rooms, hangUp);
            case var reply: return new(new Outcome.Replied(reply));
        }
    }

    /// Holds the poll in its room until a message, the poll timeout or a hang-up ends it; its seat is let go then.
    public static async ValueTask<Outcome> HoldAsync(RoomLoop room, Exchange exchange, Seat? seat, CancellationToken hangUp)
    {
        using (seat)
        {
            room.Send(new Command.Subscribe(exchange.Waiter), exchange);
            // Over HTTP/1.x the token is the connection's, which outlives the request: unregistered once answered.
            var watch = hangUp.UnsafeRegister(static exchange => ((Exchange)exchange!).Abandon(), exchange);
            try
            {
                return await exchange.Task.ConfigureAwait(false);
            }
            finally
            {
                watch.Unregister();
            }
        }
    }

    private static ValueTask<Outcome> HoldAsync(RoomLoop room, Want want, Asker asker, RoomDirectory rooms, CancellationToken hangUp)
    {
        if (rooms.Stopping) return new(Outcome.ExpiredOnce);
        Seat? seat = null;
        if (!asker.Seated && (seat = Seat.Take(rooms.Quota, [room.Presence], asker.Client, asker.Address, out var refused)) is null)
            return new(new Outcome.Refused(refused!));
        return HoldAsync(room, Exchange.ForPoll(room, want), seat, hangUp);
    }

    /// Several rooms in one poll: what any of them has now, else held in every one until the first answers; the
    /// others are then let go (their cursors stay where they were). One seat for all of them. An outcome per room,
    /// in order: null where that room had nothing, <see cref="Outcome.Gone"/> where it was let go.
    public static async Task<Outcome?[]> AskEachAsync(IReadOnlyList<(RoomLoop Room, Want Want)> asks, Asker asker, RoomDirectory rooms,
        CancellationToken hangUp)
    {
        var outcomes = new Outcome?[asks.Count];
        var answered = false;
        for (var i = 0; i < asks.Count; i++)
        {
            var (room, want) = asks[i];
            var reply = Room.Now(room.State, want);
            if (reply is Reply.Ahead && room.State.SharedLog)
            {
                await rooms.CatchUpAsync(room).ConfigureAwait(false); // past this node's end only: held below
                continue;
            }
            if (reply is Reply.Messages or Reply.FromStore) Seen(room, asker);
            outcomes[i] = reply is Reply.Messages m ? room.Read(m) : reply is null ? null : new Outcome.Replied(reply);
            answered |= reply is not null;
        }
        if (answered) return outcomes;
        if (rooms.Stopping) return Array.ConvertAll(outcomes, _ => Outcome.ExpiredOnce);
        Seat? seat = null;
        if (!asker.Seated && (seat = Seat.Take(rooms.Quota, [.. asks.Select(a => a.Room.Presence)], asker.Client, asker.Address, out var refused)) is null)
            return Array.ConvertAll(outcomes, _ => new Outcome.Refused(refused!));
        using (seat)
        {
            using var first = CancellationTokenSource.CreateLinkedTokenSource(hangUp);
            var held = asks.Select(a => HoldAsync(a.Room, Exchange.ForPoll(a.Room, a.Want), null, first.Token).AsTask()).ToArray();
            await Task.WhenAny(held).ConfigureAwait(false);
            await first.CancelAsync().ConfigureAwait(false); // the rest are reset in their rooms; one answered meanwhile keeps its answer
            return await Task.WhenAll(held).ConfigureAwait(false);
        }
    }

    /// The room was unloaded since this request (an event stream, for one) found it: its state stopped there.
    private static async ValueTask<Outcome> AskItsNextLoopAsync(RoomName name, Want want, Asker asker, RoomDirectory rooms, CancellationToken hangUp)
    {
        var found = await rooms.FindAsync(name).ConfigureAwait(false);
        return found.IsLeft ? new Outcome.Refused((Chat.Core.Rejection)found)
            : await AskAsync((RoomLoop)found, want, asker, rooms, hangUp).ConfigureAwait(false);
    }

    private static async ValueTask<Outcome> CaughtUpAsync(RoomLoop room, Want want, Asker asker, RoomDirectory rooms, CancellationToken hangUp)
    {
        await rooms.CatchUpAsync(room).ConfigureAwait(false);
        return await HoldAsync(room, want, asker, rooms, hangUp).ConfigureAwait(false);
    }

    /// A poll answered at once still says its client follows the room.
    private static void Seen(RoomLoop room, Asker asker)
    {
        if (!asker.Seated) room.Presence.Seen(asker.Client);
    }
}
