using Chat.Core.Room;
using Chat.Core.Values;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Chat.Specs.Properties;

/// The core's removals and trims case by case, at their edges: what a removal is answered at once, what a published
/// removal erases, what a trim moves and whom it lets go. The generated scripts cover them in bulk; these name each rule.
public sealed class RemovalSpecs
{
    private static readonly RoomLimits Wide = new(WindowCount: 10, WindowBytes: 1024, KeyCount: 10);

    private static Command Post(int text, long poster, string? key = null) =>
        new Command.Post(Scripts.Text(text), new WaiterId(poster), key is null ? None : Some(IdempotencyKey.FromStore(key)));

    private static Command Remove(long target, long poster) =>
        new Command.Post(Message.Removal(new MessageIndex(target), None, None), new WaiterId(poster), Some(IdempotencyKey.FromStore($"remove {target}")));

    /// A room with <paramref name="count"/> stored messages (texts 0, 1, 2, …), the first of them posted with key "k0".
    private static RoomState Stored(int count, RoomLimits? limits = null)
    {
        var state = RoomState.Initial(limits ?? Wide);
        for (var i = 0; i < count; i++) state = Room.Step(state, Post(i % Scripts.Texts.Length, 100 + i, i == 0 ? "k0" : null)).State;
        return Room.Step(state, new Command.Stored(new MessageIndex(count))).State;
    }

    private static (RoomState State, Seq<Effect> Effects) Step(RoomState state, params Command[] commands) =>
        commands.Aggregate((state, Seq<Effect>()), (acc, c) => Room.Step(acc.state, c) is var (s, e) ? (s, acc.Item2 + e) : acc);

    [Fact]
    public void A_removal_is_an_entry_with_no_text_that_names_its_target()
    {
        var removal = Message.Removal(new MessageIndex(3), AuthorName.FromStore("Mod"), None);
        Assert.Equal("", removal.Text.Value);
        Assert.Equal(0, removal.Bytes);
        Assert.Equal(new MessageIndex(3), removal.Removes);
        var placeholder = Scripts.Text(2).ErasedBy(new MessageIndex(7));
        Assert.Equal(("", Option<AuthorName>.None, Some(new MessageIndex(7))), (placeholder.Text.Value, placeholder.Author, placeholder.RemovedBy));
    }

    [Fact]
    public void A_removal_past_the_end_is_ahead_and_below_the_first_kept_index_gone_but_a_shared_log_checks_the_end_itself()
    {
        var room = Stored(3);
        Assert.Equal(Seq1<Effect>(new Effect.Answer(new WaiterId(1), new Reply.Ahead(new MessageIndex(3), new MessageIndex(3)))), Room.Decide(room, Remove(3, 1)));
        Assert.IsType<Effect.Persist>(Assert.Single(Room.Decide(room, Remove(2, 1))));

        var trimmed = Room.Step(room, new Command.Trim(new MessageIndex(2))).State;
        Assert.Equal(Seq1<Effect>(new Effect.Answer(new WaiterId(1), new Reply.Gone(new MessageIndex(1), new MessageIndex(2)))), Room.Decide(trimmed, Remove(1, 1)));
        Assert.IsType<Effect.Persist>(Assert.Single(Room.Decide(trimmed, Remove(2, 1))));

        var shared = room.AsSharedLog();
        Assert.IsType<Effect.Append>(Assert.Single(Room.Decide(shared, Remove(5, 1))));
    }

    [Fact]
    public void A_published_removal_erases_its_target_in_the_window_and_the_key_and_a_second_answers_the_first()
    {
        var room = Room.Step(Room.Step(Stored(4), Remove(0, 1)).State, new Command.Stored(new MessageIndex(5))).State;

        Assert.Equal(Scripts.Text(0).ErasedBy(new MessageIndex(4)), room.Recent[0]);
        Assert.Equal(Scripts.Text(1), room.Recent[1]);
        Assert.Equal(Scripts.Text(0).ErasedBy(new MessageIndex(4)), room.Keys.Find(IdempotencyKey.FromStore("k0")).Map(k => k.Message));
        Assert.Equal(Enumerable.Range(1, 3).Sum(i => Scripts.Text(i).Bytes), room.RecentBytes); // the placeholder and the removal weigh nothing
        // Again, under another key (the first one forgotten): answered at once with the first removal, nothing appended.
        var again = new Command.Post(Message.Removal(MessageIndex.Zero, None, None), new WaiterId(2), Some(IdempotencyKey.FromStore("other")));
        Assert.Equal(Seq1<Effect>(new Effect.Answer(new WaiterId(2), new Reply.Posted(new MessageIndex(4)))), Room.Decide(room, again));
    }

    [Fact]
    public void A_retried_post_whose_first_attempt_was_removed_answers_its_index_not_a_conflict()
    {
        var room = Room.Step(Room.Step(Stored(4), Remove(0, 1)).State, new Command.Stored(new MessageIndex(5))).State;
        Assert.Equal(Seq1<Effect>(new Effect.Answer(new WaiterId(2), new Reply.Posted(MessageIndex.Zero))), Room.Decide(room, Post(0, 2, "k0")));
        // Not removed, another text under the key is still a conflict.
        Assert.Equal(Seq1<Effect>(new Effect.Answer(new WaiterId(2), new Reply.KeyConflict(MessageIndex.Zero))), Room.Decide(Stored(4), Post(1, 2, "k0")));
    }

    [Fact]
    public void A_removal_of_a_message_past_the_window_start_finds_it_by_its_offset()
    {
        var room = Stored(6, new RoomLimits(WindowCount: 3, WindowBytes: 1024, KeyCount: 10)); // the window holds 3, 4, 5
        var (removed, _) = Step(room, Remove(4, 1), new Command.Stored(new MessageIndex(7)));
        Assert.Equal("", removed.Recent[0].Text.Value);
        Assert.Equal(new MessageIndex(6), removed.Recent[0].RemovedBy); // the window now starts at 4: 4, 5, 6
        Assert.Equal(Seq1<Effect>(new Effect.Answer(new WaiterId(2), new Reply.Posted(new MessageIndex(6)))), Room.Decide(removed, Remove(4, 2)));
        Assert.IsType<Effect.Persist>(Assert.Single(Room.Decide(removed, Remove(5, 2))));
        Assert.IsType<Effect.Persist>(Assert.Single(Room.Decide(removed, Remove(1, 2)))); // older than the window: the host asks the store
    }

    [Fact]
    public void A_trim_moves_the_first_index_only_forward()
    {
        var room = Room.Step(Stored(4), new Command.Trim(new MessageIndex(2))).State;
        Assert.Equal(new MessageIndex(2), room.First);
        Assert.Empty(Room.Decide(room, new Command.Trim(new MessageIndex(2))));
        Assert.Empty(Room.Decide(room, new Command.Trim(new MessageIndex(1))));
        Assert.Equal(Seq1<Effect>(new Effect.Trim(new MessageIndex(3))), Room.Decide(room, new Command.Trim(new MessageIndex(3))));
        Assert.Equal((new MessageIndex(4), new MessageIndex(4)), (room.Visible, room.Next));
        Assert.Equal(new Reply.Gone(new MessageIndex(1), new MessageIndex(2)), Room.Now(room, Want.One(new MessageIndex(1))));
    }

    [Fact]
    public void A_shared_log_trimmed_past_this_node_starts_again_at_first_and_lets_go_the_polls_below_it()
    {
        var room = Stored(2).AsSharedLog();
        var held = new Waiter(new WaiterId(1), Want.One(new MessageIndex(2)));
        var holding = Room.Step(room, new Command.Subscribe(held)).State;

        var (after, effects) = Room.Step(holding, new Command.Trim(new MessageIndex(5)));

        Assert.Equal(Seq<Effect>(new Effect.Expire(held), new Effect.Trim(new MessageIndex(5))), effects);
        Assert.Equal((new MessageIndex(5), new MessageIndex(5), new MessageIndex(5), new MessageIndex(5), 0, 0),
            (after.First, after.Visible, after.Next, after.RecentStart, after.Recent.Count, after.HeldCount));
        // A trim up to the node's end keeps its numbering and the poll held there.
        var (kept, keptEffects) = Room.Step(holding, new Command.Trim(new MessageIndex(2)));
        Assert.Equal(Seq1<Effect>(new Effect.Trim(new MessageIndex(2))), keptEffects);
        Assert.Equal((new MessageIndex(2), new MessageIndex(2), 1), (kept.Visible, kept.Next, kept.HeldCount));
    }

    [Fact]
    public void A_shared_log_that_refuses_a_removal_as_trimmed_moves_the_room_before_it_answers()
    {
        var room = Stored(4).AsSharedLog();
        var gone = new Reply.Gone(new MessageIndex(1), new MessageIndex(3));
        Assert.Equal(Seq<Effect>(new Effect.Trim(new MessageIndex(3)), new Effect.Answer(new WaiterId(9), gone)),
            Room.Decide(room, new Command.Appended(new WaiterId(9), gone)));
        var moved = Room.Step(room, new Command.Trim(new MessageIndex(3))).State;
        Assert.Equal(Seq1<Effect>(new Effect.Answer(new WaiterId(9), gone)), Room.Decide(moved, new Command.Appended(new WaiterId(9), gone)));
    }
}
