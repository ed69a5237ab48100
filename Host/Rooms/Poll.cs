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

/// Holds a poll that must wait without awaiting it: the transport path's connection, whose exchange writes the answer
/// where the room completes it (Host/Transport). The exchange takes the seat, and lets it go when answered.
public interface IHolder
{
    Exchange Hold(RoomLoop room, Want want, Seat? seat);
}

/// Answer now or hold: the step of a long poll between finding its room and rendering its outcome, shared by the seed
/// poll, the batch poll and the event stream.
public static class Poll
{
    /// The core says what the poll gets now (<see cref="Room.Now"/>), on the room's latest immutable state: most polls
    /// of a busy room are answered here, without its loop. Only a poll that must wait is held in the loop: awaited until
    /// answered, or, given a <paramref name="holder"/>, left to its exchange (<see cref="Outcome.Held"/>).
    public static ValueTask<Outcome> AskAsync(RoomLoop room, Want want, Asker asker, RoomDirectory rooms, CancellationToken hangUp,
        IHolder? holder = null)
    {
        if (room.IsUnloaded) return AskItsNextLoopAsync(room.Name, want, asker, rooms, hangUp, holder);
        if (Now(room, want, asker, out var pastSharedEnd) is { } now) return new(now);
        return pastSharedEnd ? CaughtUpAsync(room, want, asker, rooms, hangUp, holder) : HoldAsync(room, want, asker, rooms, hangUp, holder);
    }

    /// What the room gives the poll now, or null when it must wait. Decided on one snapshot of the state, which other
    /// threads move on. <paramref name="pastSharedEnd"/>: past the end here, which may not be past the end of a shared
    /// log (several nodes): the log is read before the poll is held.
    private static Outcome? Now(RoomLoop room, Want want, Asker asker, out bool pastSharedEnd)
    {
        var state = room.State;
        var reply = Room.Now(state, want);
        pastSharedEnd = reply is Reply.Ahead && state.SharedLog;
        if (reply is null || pastSharedEnd) return null;
        if (reply is Reply.Messages or Reply.FromStore) Seen(room, asker);
        return reply is Reply.Messages m ? room.Read(m) : new Outcome.Replied(reply);
    }

    /// A seat for a poll about to wait, or the outcome that ends it now (shutting down: 204; over the quota: refused).
    private static Outcome? Sit(RoomDirectory rooms, IReadOnlyList<Presence> here, Asker asker, out Seat? seat)
    {
        seat = null;
        if (rooms.Stopping) return Outcome.ExpiredOnce;
        if (asker.Seated) return null;
        seat = Seat.Take(rooms.Quota, here, asker.Client, asker.Address, out var refused);
        return seat is null ? new Outcome.Refused(refused!) : null;
    }

    /// Holds the poll in its room until a message, the poll timeout or a hang-up ends it; its seat is let go then.
    public static async ValueTask<Outcome> HoldAsync(RoomLoop room, Exchange.Awaited exchange, Seat? seat, CancellationToken hangUp)
    {
        using (seat)
        {
            Subscribe(room, exchange);
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

    private static ValueTask<Outcome> HoldAsync(RoomLoop room, Want want, Asker asker, RoomDirectory rooms, CancellationToken hangUp,
        IHolder? holder)
    {
        if (Sit(rooms, room.PresenceAlone, asker, out var seat) is { } ended) return new(ended);
        if (holder is null) return HoldAsync(room, Exchange.ForPoll(room, want), seat, hangUp);
        Subscribe(room, holder.Hold(room, want, seat));
        return new(Outcome.HeldOnce);
    }

    private static void Subscribe(RoomLoop room, Exchange exchange) => room.Send(new Command.Subscribe(exchange.Waiter), exchange);

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
            outcomes[i] = Now(room, want, asker, out var pastSharedEnd);
            if (pastSharedEnd) await rooms.CatchUpAsync(room).ConfigureAwait(false);
            answered |= outcomes[i] is not null;
        }
        if (answered) return outcomes;
        if (Sit(rooms, [.. asks.Select(a => a.Room.Presence)], asker, out var seat) is { } ended) return Array.ConvertAll(outcomes, _ => ended);
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
    private static async ValueTask<Outcome> AskItsNextLoopAsync(RoomName name, Want want, Asker asker, RoomDirectory rooms, CancellationToken hangUp,
        IHolder? holder)
    {
        var found = await rooms.FindAsync(name).ConfigureAwait(false);
        return found.IsLeft ? new Outcome.Refused((Chat.Core.Rejection)found)
            : await AskAsync((RoomLoop)found, want, asker, rooms, hangUp, holder).ConfigureAwait(false);
    }

    private static async ValueTask<Outcome> CaughtUpAsync(RoomLoop room, Want want, Asker asker, RoomDirectory rooms, CancellationToken hangUp,
        IHolder? holder)
    {
        await rooms.CatchUpAsync(room).ConfigureAwait(false);
        return await HoldAsync(room, want, asker, rooms, hangUp, holder).ConfigureAwait(false);
    }

    /// A poll answered at once still says its client follows the room.
    private static void Seen(RoomLoop room, Asker asker)
    {
        if (!asker.Seated) room.Presence.Seen(asker.Client);
    }
}
