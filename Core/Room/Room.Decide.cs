using System.Diagnostics;
using System.Diagnostics.Contracts;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Chat.Core.Room;

/// A room as a decider: <see cref="Decide"/> says what happens, <see cref="Evolve"/> folds it into the state,
/// <see cref="Step"/> does both. Pure: no I/O, no clock, no threads; the host feeds it one command at a time.
/// Each case is a small function in Room.Posting.cs (numbering, storing, publishing) or Room.Waiting.cs.
public static partial class Room
{
    /// Law (dense): messages are published at 0, 1, 2, … with no gap and no reuse.
    /// Law (once): every waiter leaves the room through exactly one Deliver, Expire or Forget.
    /// Law (durable first): no message is delivered or answered before a Stored (or the shared log) covers it.
    [Pure]
    public static Seq<Effect> Decide(RoomState state, Command command) => command switch
    {
        Command.Post c => Accept(state, c),
        Command.Subscribe c => Subscribe(state, c.Waiter),
        Command.Reset c => IsHeld(state, c.Waiter) ? Seq1<Effect>(new Effect.Forget(c.Waiter)) : Empty,
        Command.Timeout c => IsHeld(state, c.Waiter) ? Seq1<Effect>(new Effect.Expire(c.Waiter)) : Empty,
        Command.Stored c => Release(state, c.UpTo),
        Command.Failed c => Retract(state, c.From),
        Command.Logged c => Follow(state, c),
        Command.Trim c => c.First > state.First ? Trim(state, c.First) : Empty,
        // A shared log that refused a removal as trimmed says where it starts: the room starts there before it answers.
        Command.Appended { Reply: Reply.Gone g } c when g.First > state.First => Trim(state, g.First).Add(new Effect.Answer(c.Poster, c.Reply)),
        Command.Appended c => Seq1<Effect>(new Effect.Answer(c.Poster, c.Reply)),
        _ => throw new UnreachableException(),
    };

    /// Decide, then fold every effect into the state: the one function the host calls.
    [Pure]
    public static (RoomState State, Seq<Effect> Effects) Step(RoomState state, Command command)
    {
        var effects = Decide(state, command);
        return (effects.Fold(state, Evolve), effects);
    }

    private static readonly Seq<Effect> Empty = Seq<Effect>();
}
