using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Chat.Core.Room;
using Chat.Core.Values;
using LanguageExt;

BenchmarkRunner.Run<Chat.Bench.CoreStep.StepBenchmarks>(args: args);

namespace Chat.Bench.CoreStep
{
    /// The core's share of a fan-out: the steps the room loop runs for one post to 15,000 held polls
    /// (Post, then Stored, which publishes and delivers to all), one more subscribe, one reset; and a durable post
    /// to a busy room nobody follows (the posts-only load), where the window slides with every post.
    [MemoryDiagnoser]
    public class StepBenchmarks
    {
        private const int Waiters = 15_000;
        private static readonly Message Text = Message.Of(MessageText.Parse("hello, fan-out", 1000).RightToSeq().Head);
        private RoomState _holding = null!;
        private RoomState _posted = null!;
        private RoomState _full = null!;

        [GlobalSetup]
        public void Setup()
        {
            var state = RoomState.Initial(RoomLimits.Default);
            for (var i = 0; i < Waiters; i++)
                state = Room.Step(state, new Command.Subscribe(new Waiter(new WaiterId(i), Want.One(MessageIndex.Zero)))).State;
            _holding = state;
            _posted = Room.Step(state, new Command.Post(Text, new WaiterId(-1), Option<IdempotencyKey>.None)).State;
            var full = RoomState.Initial(RoomLimits.Default);
            for (var i = 0; i < 2 * RoomLimits.Default.WindowCount; i++)
                full = Room.Step(Room.Step(full, new Command.Post(Text, new WaiterId(i), Option<IdempotencyKey>.None)).State, new Command.Stored(full.Next.Next)).State;
            _full = full;
        }

        [Benchmark(Description = "post (numbered, sent to the store) with 15,000 held")]
        public Seq<Effect> Post() => Room.Step(_holding, new Command.Post(Text, new WaiterId(-1), Option<IdempotencyKey>.None)).Effects;

        [Benchmark(Description = "stored: publish + deliver to 15,000")]
        public Seq<Effect> StoredDeliversToAll() => Room.Step(_posted, new Command.Stored(new MessageIndex(1))).Effects;

        [Benchmark(Description = "a post to a room with a full window and nobody waiting: Post, then Stored")]
        public RoomState PostAndStore()
        {
            var posted = Room.Step(_full, new Command.Post(Text, new WaiterId(-1), Option<IdempotencyKey>.None)).State;
            return Room.Step(posted, new Command.Stored(posted.Next)).State;
        }

        [Benchmark(Description = "subscribe one more")]
        public RoomState Subscribe() => Room.Step(_holding, new Command.Subscribe(new Waiter(new WaiterId(Waiters), Want.One(MessageIndex.Zero)))).State;

        [Benchmark(Description = "reset one of 15,000")]
        public RoomState Reset() => Room.Step(_holding, new Command.Reset(new Waiter(new WaiterId(7), Want.One(MessageIndex.Zero)))).State;
    }
}
