using System.Collections.Immutable;
using Chat.Core.Room;
using Chat.Core.Values;
using FsCheck;
using FsCheck.Experimental;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Chat.Specs.Properties;

/// The room under test: the pure core stepped in place, remembering the effects of its last step.
public sealed class RoomUnderTest
{
    public RoomState State { get; private set; } = RoomState.Initial(new RoomLimits(1000, 1 << 20, 100));
    public Seq<Effect> Step(Command command)
    {
        (State, var effects) = Room.Step(State, command);
        return effects;
    }
}

/// The trivially simple model: a list of stored messages, a list not yet stored, and who waits for what.
public sealed record ChatModel(ImmutableList<string> Stored, ImmutableList<string> Unstored, ImmutableDictionary<long, long> Held, long NextId)
{
    public long Count => Stored.Count;
    public override string ToString() => $"stored [{string.Join(",", Stored)}] unstored [{string.Join(",", Unstored)}] held {Held.Count}";
}

/// FsCheck's stateful testing: random operations run against the core and the model side by side; after each
/// one the core's effects must be what the model says and its state must agree with the model.
public sealed class RoomMachine : Machine<RoomUnderTest, ChatModel>
{
    public override Arbitrary<Setup<RoomUnderTest, ChatModel>> Setup =>
        Arb.From(Gen.Fresh(() => (Setup<RoomUnderTest, ChatModel>)new Fresh()));

    public override Gen<Operation<RoomUnderTest, ChatModel>> Next(ChatModel model)
    {
        var ops = new List<Gen<Operation<RoomUnderTest, ChatModel>>>
        {
            Gen.Elements(Scripts.Texts).Select(t => Op(new PostOp(t, model))),
            Gen.Choose(0, (int)(model.Count + model.Unstored.Count) + 2).Select(at => Op(new SubscribeOp(at, model))),
        };
        if (model.Unstored.Count > 0) ops.Add(Gen.Choose(1, model.Unstored.Count).Select(k => Op(new StoreOp(k, model))));
        if (model.Held.Count > 0)
        {
            var held = model.Held.ToArray();
            ops.Add(from h in Gen.Elements(held) from timedOut in Gen.Elements(false, true) select Op(new LeaveOp(h.Key, h.Value, timedOut, model)));
        }
        return Gen.OneOf(ops);
    }

    private static Operation<RoomUnderTest, ChatModel> Op(Operation<RoomUnderTest, ChatModel> op) => op;

    private sealed class Fresh : Setup<RoomUnderTest, ChatModel>
    {
        public override RoomUnderTest Actual() => new();
        public override ChatModel Model() => new([], [], ImmutableDictionary<long, long>.Empty, 1);
    }

    private static Message Text(string s) => Scripts.Message(s, s.Length);

    private static Property Agrees(RoomUnderTest actual, ChatModel model, bool effectsRight, string what) =>
        (effectsRight && actual.State.Visible.Value == model.Count && actual.State.HeldCount == model.Held.Count
            && actual.State.Next.Value == model.Count + model.Unstored.Count)
        .Label($"{what}: effects right {effectsRight}, visible {actual.State.Visible} vs {model.Count}, held {actual.State.HeldCount} vs {model.Held.Count}");

    private sealed class PostOp(string text, ChatModel before) : Operation<RoomUnderTest, ChatModel>
    {
        private readonly long _id = before.NextId;
        public override ChatModel Run(ChatModel m) => m with { Unstored = m.Unstored.Add(text), NextId = m.NextId + 1 };
        public override Property Check(RoomUnderTest actual, ChatModel model)
        {
            var effects = actual.Step(new Command.Post(Text(text), new WaiterId(_id), None));
            var expected = Seq1<Effect>(new Effect.Persist(new MessageIndex(model.Count + model.Unstored.Count - 1), Text(text), new WaiterId(_id), None));
            return Agrees(actual, model, effects.Equals(expected), ToString());
        }
        public override string ToString() => $"Post '{text}'";
    }

    private sealed class SubscribeOp(int at, ChatModel before) : Operation<RoomUnderTest, ChatModel>
    {
        private readonly long _id = before.NextId;
        private bool Holds => at >= before.Count && at <= before.Count + before.Unstored.Count;
        public override ChatModel Run(ChatModel m) => (Holds ? m with { Held = m.Held.Add(_id, at) } : m) with { NextId = m.NextId + 1 };
        public override Property Check(RoomUnderTest actual, ChatModel model)
        {
            var waiter = new Waiter(new WaiterId(_id), Want.One(new MessageIndex(at)));
            var effects = actual.Step(new Command.Subscribe(waiter));
            Effect expected = at < before.Count ? new Effect.Answer(waiter.Id, new Reply.Messages(waiter.At, Seq1(Text(before.Stored[at]))))
                : Holds ? new Effect.Hold(waiter)
                : new Effect.Answer(waiter.Id, new Reply.Ahead(waiter.At, new MessageIndex(before.Count)));
            return Agrees(actual, model, effects.Equals(Seq1(expected)), ToString());
        }
        public override string ToString() => $"Subscribe {at} as w{_id}";
    }

    private sealed class StoreOp(int k, ChatModel before) : Operation<RoomUnderTest, ChatModel>
    {
        private long UpTo => before.Count + k;
        public override ChatModel Run(ChatModel m) => m with
        {
            Stored = m.Stored.AddRange(m.Unstored.Take(k)),
            Unstored = m.Unstored.RemoveRange(0, k),
            Held = m.Held.RemoveRange(m.Held.Where(h => h.Value < UpTo).Select(h => h.Key)),
        };
        public override Property Check(RoomUnderTest actual, ChatModel model)
        {
            var effects = actual.Step(new Command.Stored(new MessageIndex(UpTo)));
            var published = effects.OfType<Effect.Publish>().Select(p => p.Message.Text.Value).ToList();
            var delivered = effects.OfType<Effect.Deliver>().SelectMany(d => d.To.Select(id => (id.Value, d.Want.At.Value, d.Messages.Head.Text.Value))).ToHashSet();
            var expected = before.Held.Where(h => h.Value < UpTo).Select(h => (h.Key, h.Value, model.Stored[(int)h.Value])).ToHashSet();
            return Agrees(actual, model, published.SequenceEqual(before.Unstored.Take(k)) && delivered.SetEquals(expected), ToString());
        }
        public override string ToString() => $"Store {k}";
    }

    /// A held waiter leaves: its client hung up (Reset → Forget) or its time is up (Timeout → Expire).
    private sealed class LeaveOp(long id, long at, bool timedOut, ChatModel before) : Operation<RoomUnderTest, ChatModel>
    {
        public override ChatModel Run(ChatModel m) => m with { Held = m.Held.Remove(id) };
        public override Property Check(RoomUnderTest actual, ChatModel model)
        {
            var waiter = new Waiter(new WaiterId(id), Want.One(new MessageIndex(at)));
            var effects = actual.Step(timedOut ? new Command.Timeout(waiter) : new Command.Reset(waiter));
            Effect expected = timedOut ? new Effect.Expire(waiter) : new Effect.Forget(waiter);
            return Agrees(actual, model, effects.Equals(Seq1(expected)) && before.Held.ContainsKey(id), ToString());
        }
        public override string ToString() => $"{(timedOut ? "Timeout" : "Reset")} w{id}";
    }
}

public sealed class RoomAgainstModel
{
    [Property(MaxTest = 200)]
    public Property The_core_agrees_with_a_list_and_a_set_of_waiters() => StateMachine.ToProperty(new RoomMachine());
}
