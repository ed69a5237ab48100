using Chat.Core.Room;
using Chat.Core.Values;
using FsCheck;
using FsCheck.Fluent;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Chat.Specs.Properties;

/// A step of a generated script, relative to the room's state so that every script is meaningful:
/// subscribes land below, at and past the count; stores come late, twice, or not at all; resets and
/// timeouts hit waiters that are held, answered or already gone.
public abstract record Op
{
    public sealed record Post(int Text, int? Key) : Op;
    public sealed record Subscribe(int Back, int Limit) : Op;
    public sealed record Reset(int Pick) : Op;
    public sealed record Timeout(int Pick) : Op;
    public sealed record Store(int Beyond) : Op;
    public sealed record Fail(int Beyond) : Op;
    public sealed record Remove(int Back) : Op;
    public sealed record Trim(int Back) : Op;
}

public static class Scripts
{
    public static readonly string[] Texts = ["a", "b", "hello", "<b>&amp;</b>", "line\r\nbreak", "ü€😀", " "];

    public static Gen<Op> Op => Gen.Frequency(
        (5, from t in Gen.Choose(0, Texts.Length - 1) from k in Gen.Elements<int?>(null, null, 0, 1, 2) select (Op)new Op.Post(t, k)),
        (6, from b in Gen.Choose(-2, 5) from l in Gen.Elements(1, 1, 1, 2, 5) select (Op)new Op.Subscribe(b, l)),
        (2, Gen.Choose(0, 1000).Select(p => (Op)new Op.Reset(p))),
        (2, Gen.Choose(0, 1000).Select(p => (Op)new Op.Timeout(p))),
        (4, Gen.Choose(-1, 3).Select(b => (Op)new Op.Store(b))),
        (1, Gen.Choose(0, 2).Select(b => (Op)new Op.Fail(b))),
        (2, Gen.Choose(-1, 5).Select(b => (Op)new Op.Remove(b))),
        (1, Gen.Choose(0, 4).Select(b => (Op)new Op.Trim(b))));

    public static Arbitrary<Op[]> Arb(int max = 60) =>
        FsCheck.Fluent.Arb.From(Gen.Sized(size => Gen.Choose(0, Math.Min(size, max)).SelectMany(n => Gen.ArrayOf(Op, n))));

    public static RoomLimits Limits { get; } = new(WindowCount: 3, WindowBytes: 64, KeyCount: 2);

    /// Turns a script into concrete commands by running it: each op reads the state it lands on.
    public static Seq<Command> Commands(Op[] ops, RoomLimits? limits = null)
    {
        var state = RoomState.Initial(limits ?? Limits);
        var waiters = new List<Waiter>();
        var commands = new List<Command>();
        var ids = 0L;
        foreach (var op in ops)
        {
            Command? command = op switch
            {
                Op.Post p => new Command.Post(Text(p.Text), new WaiterId(++ids),
                    p.Key is { } k ? Some((IdempotencyKey)IdempotencyKey.Parse($"key-{k}").RightToSeq().Head) : None),
                Op.Subscribe s => Subscribe(new Waiter(new WaiterId(++ids), new Want(new MessageIndex(Math.Max(0, state.Next.Value - s.Back)), s.Limit))),
                Op.Reset r when waiters.Count > 0 => new Command.Reset(waiters[r.Pick % waiters.Count]),
                Op.Timeout t when waiters.Count > 0 => new Command.Timeout(waiters[t.Pick % waiters.Count]),
                Op.Store s => new Command.Stored(new MessageIndex(Math.Max(0, state.Visible.Value + state.Pending.Count + s.Beyond))),
                Op.Fail f => new Command.Failed(state.Visible.Plus(f.Beyond)),
                // As the host removes: one key per index, so that two removals of one message are one entry.
                Op.Remove r => new Command.Post(Chat.Core.Values.Message.Removal(new MessageIndex(Math.Max(0, state.Visible.Value - 1 - r.Back)), None, None), new WaiterId(++ids),
                    Some(IdempotencyKey.FromStore($"remove {Math.Max(0, state.Visible.Value - 1 - r.Back)}"))),
                Op.Trim t => new Command.Trim(new MessageIndex(Math.Max(0, state.Visible.Value - t.Back))),
                _ => null,
            };
            if (command is null) continue;
            commands.Add(command);
            state = Room.Step(state, command).State;
        }
        return toSeq(commands);

        Command Subscribe(Waiter w)
        {
            waiters.Add(w);
            return new Command.Subscribe(w);
        }
    }

    /// Ends a run the way a quiet room ends: everything stored, then every waiter's time is up.
    public static Seq<Command> Finish(RoomState state, Seq<Command> script)
    {
        var stored = new Command.Stored(state.Next);
        var afterStore = Room.Step(state, stored).State;
        var timeouts = afterStore.Waiters.SelectMany(kv => kv.Value.Select(id => (Command)new Command.Timeout(new Waiter(id, kv.Key))));
        return script + Seq1<Command>(stored) + toSeq(timeouts);
    }

    /// The i-th message: its text, an author for every other one, and a time of its own (the core must carry both
    /// through unchanged; the laws compare whole messages).
    public static Message Text(int i) => Message(Texts[i], i);

    public static Message Message(string text, int i) => new((MessageText)MessageText.Parse(text, 1000).RightToSeq().Head,
        i % 2 == 0 ? Option<AuthorName>.None : AuthorName.Parse($"author {i}").RightToSeq().Head,
        DateTimeOffset.UnixEpoch.AddMilliseconds(1_800_000_000_000 + i));

    public static RoomState Final(Seq<Command> commands, RoomLimits? limits = null) =>
        commands.Fold(RoomState.Initial(limits ?? Limits), (s, c) => Room.Step(s, c).State);
}
