using Chat.Core.Room;
using Chat.Core.Values;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Chat.Specs.Properties;

/// The laws are the specs' oracle, so they are tested like the history checker: a run of the real core passes each,
/// and the same run with one violation planted in its effects is caught by the law that names it.
public sealed class LawSpecs
{
    private static readonly Message M0 = Scripts.Text(0), M1 = Scripts.Text(1), Other = Scripts.Text(2);
    private static readonly WaiterId Poster = new(1), Reader = new(2);
    private static Waiter ReaderAt(long at) => new(Reader, Want.One(new MessageIndex(at)));

    private static Seq<Turn> Run(params Command[] commands) => Laws.Run(RoomState.Initial(Scripts.Limits), toSeq(commands));

    /// The run with the effects of its turn <paramref name="at"/> replaced.
    private static Seq<Turn> Plant(Seq<Turn> run, int at, Func<Seq<Effect>, Seq<Effect>> change) =>
        toSeq(run.Select((t, i) => i == at ? t with { Effects = change(t.Effects) } : t));

    /// A post stored and read: a reader held at 0, a post, its store (publish, answer, deliver), a read of 0.
    private static Seq<Turn> PostedAndRead() => Run(
        new Command.Subscribe(ReaderAt(0)),
        new Command.Post(M0, Poster, None),
        new Command.Stored(new MessageIndex(1)),
        new Command.Subscribe(new Waiter(new WaiterId(3), Want.One(MessageIndex.Zero))));

    private static void Holds(Seq<Turn> run) => Assert.Empty(Laws.Violations(run));

    private static void Breaks(Func<Seq<Turn>, Option<string>> law, Seq<Turn> run, string says)
    {
        var found = law(run);
        Assert.True(found.IsSome, $"not caught: {says}");
        Assert.Contains(says, (string)found, StringComparison.Ordinal);
        Assert.Contains((string)found, Laws.Violations(run));
    }

    [Fact]
    public void A_real_run_keeps_every_law() => Holds(PostedAndRead());

    [Fact]
    public void Dense_catches_a_skipped_index_and_a_message_never_persisted_there()
    {
        var run = PostedAndRead();
        Breaks(Laws.Dense, Plant(run, 2, es => es.Map(e => e is Effect.Publish p ? p with { At = new MessageIndex(1) } : e)), "published 1 where 0 was next");
        Breaks(Laws.Dense, Plant(run, 2, es => es.Map(e => e is Effect.Publish p ? p with { Message = Other } : e)), "never persisted there");
        var shared = Laws.Run(RoomState.Initial(Scripts.Limits).AsSharedLog(), Seq1<Command>(new Command.Logged(MessageIndex.Zero, M0)));
        Holds(shared);
        Breaks(Laws.Dense, Plant(shared, 0, es => es.Map(e => e is Effect.Publish p ? p with { Message = Other } : e)), "never persisted there");
    }

    [Fact]
    public void Durable_first_catches_a_publish_no_store_covers_and_a_read_past_the_stored()
    {
        var run = PostedAndRead();
        Breaks(Laws.DurableFirst, Plant(run, 1, es => es.Add(new Effect.Publish(MessageIndex.Zero, M0))), "published by");
        Breaks(Laws.DurableFirst, toSeq(run.Select((t, i) => i == 2 ? t with { Command = new Command.Stored(MessageIndex.Zero) } : t)), "published by");
        var shared = Laws.Run(RoomState.Initial(Scripts.Limits).AsSharedLog(), Seq1<Command>(new Command.Logged(MessageIndex.Zero, M0)));
        Breaks(Laws.DurableFirst, toSeq(shared.Select(t => t with { Command = new Command.Logged(new MessageIndex(1), M0) })), "published by");
        Breaks(Laws.DurableFirst, Plant(run, 1, es => es.Add(new Effect.Answer(Reader, new Reply.Messages(MessageIndex.Zero, Seq1(M0))))), "not yet stored");
        Breaks(Laws.DurableFirst, Plant(run, 2, es => es.Map(e => e is Effect.Deliver d ? d with { Messages = Seq(M0, M1) } : e)), "not yet stored");
    }

    [Fact]
    public void Same_order_catches_a_delivery_or_an_answer_of_another_message()
    {
        var run = PostedAndRead();
        Breaks(Laws.SameOrder, Plant(run, 2, es => es.Map(e => e is Effect.Deliver d ? d with { Messages = Seq1(Other) } : e)), "disagrees with what was published at 0");
        Breaks(Laws.SameOrder, Plant(run, 1, es => es.Add(new Effect.Answer(Reader, new Reply.Messages(MessageIndex.Zero, Seq1(M0))))), "0, which was never published");
        Breaks(Laws.SameOrder, Plant(run, 3, es => es.Map(e => e is Effect.Answer { Reply: Reply.Messages } a ? a with { Reply = new Reply.Messages(MessageIndex.Zero, Seq1(Other)) } : e)),
            "disagrees with what was published at 0");
    }

    /// The second message of a batch: the law names its index (from + 1), not the batch's first.
    [Fact]
    public void Same_order_names_the_index_of_a_wrong_or_unpublished_message_inside_a_batch()
    {
        var batch = new Waiter(Reader, new Want(MessageIndex.Zero, 2));
        var run = Run(new Command.Subscribe(batch), new Command.Post(M0, Poster, None), new Command.Post(M1, new WaiterId(4), None),
            new Command.Stored(new MessageIndex(2)), new Command.Subscribe(new Waiter(new WaiterId(5), new Want(MessageIndex.Zero, 2))));
        Holds(run);
        Breaks(Laws.SameOrder, Plant(run, 3, es => es.Map(e => e is Effect.Deliver d ? d with { Messages = Seq(M0, Other) } : e)), "disagrees with what was published at 1");
        var one = Run(new Command.Post(M0, Poster, None), new Command.Stored(new MessageIndex(1)), new Command.Subscribe(new Waiter(Reader, new Want(MessageIndex.Zero, 2))));
        Holds(one);
        Breaks(Laws.SameOrder, Plant(one, 2, es => es.Map(e => e is Effect.Answer { Reply: Reply.Messages } a ? a with { Reply = new Reply.Messages(MessageIndex.Zero, Seq(M0, M1)) } : e)),
            "hands out 1, which was never published");
    }

    [Fact]
    public void Once_catches_a_subscribe_with_no_outcome_or_two_and_a_waiter_leaving_twice_or_unheld()
    {
        var run = PostedAndRead();
        Breaks(Laws.Once, Plant(run, 0, _ => Seq<Effect>()), "had 0 outcomes");
        Breaks(Laws.Once, Plant(run, 0, es => es.Add(new Effect.Answer(Reader, new Reply.Ahead(MessageIndex.Zero, MessageIndex.Zero)))), "had 2 outcomes");
        Breaks(Laws.Once, Plant(run, 3, es => es.Map(e => e is Effect.Answer a ? a with { To = new WaiterId(99) } : e)), "had 0 outcomes");
        Breaks(Laws.Once, Plant(run, 1, es => es.Add(new Effect.Hold(ReaderAt(0)))), "held twice");
        Breaks(Laws.Once, Plant(run, 2, es => es.Add(new Effect.Expire(ReaderAt(0)))), "but was not held or had left");
        Breaks(Laws.Once, Plant(run, 1, es => es.Add(new Effect.Forget(new Waiter(new WaiterId(42), Want.One(MessageIndex.Zero))))), "but was not held or had left");
    }

    [Fact]
    public void Posters_answered_once_catches_a_second_answer_of_any_kind()
    {
        var run = PostedAndRead();
        Breaks(Laws.PostersAnsweredOnce, Plant(run, 3, es => es.Add(new Effect.Answer(Poster, new Reply.Posted(MessageIndex.Zero)))), "answered twice");
        Breaks(Laws.PostersAnsweredOnce, Plant(run, 3, es => es.Add(new Effect.Answer(Poster, new Reply.StoreFailed()))), "answered twice");
        Breaks(Laws.PostersAnsweredOnce, Plant(run, 3, es => es.Add(new Effect.Answer(Poster, new Reply.KeyConflict(MessageIndex.Zero)))), "answered twice");
        // Answers to a reader are not a poster's.
        Assert.True(Laws.PostersAnsweredOnce(Plant(run, 3, es => es.Add(new Effect.Answer(Reader, new Reply.Posted(MessageIndex.Zero))).Add(new Effect.Answer(Reader, new Reply.Posted(MessageIndex.Zero))))).IsNone);
    }

    [Fact]
    public void No_leak_catches_a_state_that_holds_more_than_the_effects_say()
    {
        var held = Run(new Command.Subscribe(ReaderAt(0)));
        Holds(held);
        Breaks(Laws.NoLeak, Plant(held, 0, _ => Seq<Effect>()), "state holds 1 waiters, the effects say 0");
        var left = Run(new Command.Subscribe(ReaderAt(0)), new Command.Reset(ReaderAt(0)));
        Assert.True(Laws.NoLeak(left).IsNone);
        Breaks(Laws.NoLeak, Plant(left, 1, _ => Seq<Effect>()), "state holds 0 waiters, the effects say 1");
        Assert.True(Laws.NoLeak(Seq<Turn>()).IsNone);
    }
}
