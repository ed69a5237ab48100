using System.Threading.Channels;
using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Effects;
using Chat.Host.Observability;
using Chat.Host.Storage;

namespace Chat.Host.Rooms;

/// One room's writer: the only code that touches its state. It reads commands one at a time, steps the
/// pure core, and hands the effects to the interpreter. A room never waits on another room, and never on I/O:
/// stores and reads happen elsewhere and come back as commands.
///
/// Unloading (when the directory is full): asked to, the loop unloads itself only if it is idle (no held poll,
/// no post waiting for its store, no exchange open, nobody here), between two commands, so nothing is in flight. From then on
/// it is out of the directory and forwards whatever still reaches it (a request that found it just before) to the
/// room's next loop, in order; nobody else writes to it, so a room never has two writers that number messages.
public sealed class RoomLoop : IStoreSink
{
    private readonly Channel<(Command? Command, Exchange? Exchange)> _inbox =
        Channel.CreateUnbounded<(Command?, Exchange?)>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
    private readonly Dictionary<WaiterId, Exchange> _open = [];
    private readonly Interpreter _interpreter;
    private readonly ILogger _log;
    private readonly RoomDirectory _directory;
    private RoomState _state;
    private int _unloadAsked;
    private volatile bool _unloaded;
    /// The latest reads, by their first index: followers up to 64 messages apart each find theirs (and its response).
    /// With 16, followers that fell a little behind rendered a response a poll, which kept them behind.
    private readonly Outcome.Messages?[] _reads = new Outcome.Messages?[64];

    public RoomLoop(RoomName name, RoomState restored, RoomServices services, RoomDirectory directory)
    {
        Name = name;
        _state = restored;
        _log = services.Log;
        _directory = directory;
        Presence = new Presence(services.HereGrace, services.NamesFor);
        PresenceAlone = [Presence];
        Timeouts = new Timeouts(services.Clock, services.PollTimeout, () => _inbox.Writer.TryWrite((null, null)), _open.ContainsKey, () => _open.Count);
        _interpreter = new Interpreter(this, _open, services);
        Completion = Task.Run(RunAsync);
    }

    public RoomName Name { get; }

    /// What the room's own reads off the loop log to.
    public ILogger Logger => _log;

    /// Out of the directory: its state is no longer the room's (a request holding it asks the directory again).
    public bool IsUnloaded => _unloaded;

    /// The latest state, safe to read from any thread because it is immutable.
    public RoomState State => Volatile.Read(ref _state);

    public Timeouts Timeouts { get; }

    /// Who follows the room now (its polls and streams, by client).
    public Presence Presence { get; }

    /// <see cref="Presence"/> as the list a seat takes: made once, not for every held poll.
    public IReadOnlyList<Presence> PresenceAlone { get; }

    /// The outcome of a read of messages: the same instance for every poll that reads the same messages, so their
    /// response is made once, not once per follower (a busy room's followers mostly read the last few messages posted,
    /// and one that fell behind must not cost more per message, or it never catches up). Stored messages never change,
    /// so the same index, count and first and last instances are the same read. Any thread: a race makes two.
    public Outcome.Messages Read(Reply.Messages read)
    {
        var (from, messages) = (read.From, read.Items);
        ref var slot = ref _reads[(int)(from.Value & (_reads.Length - 1))];
        var last = Volatile.Read(ref slot);
        if (last is not null && last.From == from && last.Items.Count == messages.Count
            && ReferenceEquals(last.Items.Head, messages.Head) && ReferenceEquals(last.Items.Last, messages.Last)) return last;
        var outcome = new Outcome.Messages(from, messages, WasHeld: false);
        Volatile.Write(ref slot, outcome);
        return outcome;
    }

    public Task Completion { get; }

    /// Queue a command; its exchange (if any) is answered through the interpreter.
    public void Send(Command command, Exchange? exchange = null)
    {
        if (!_inbox.Writer.TryWrite((command, exchange))) exchange?.Complete(new Outcome.Unavailable("the service is shutting down"));
    }

    void IStoreSink.Stored(MessageIndex upTo) => Send(new Command.Stored(upTo));

    void IStoreSink.Failed(MessageIndex from) => Send(new Command.Failed(from));

    /// Stop taking commands; the loop ends once it has handled what is queued.
    public void Stop() => _inbox.Writer.TryComplete();

    /// Unload if idle when the loop next gets to it (see the class comment); otherwise nothing happens.
    public void AskToUnload()
    {
        Volatile.Write(ref _unloadAsked, 1);
        _inbox.Writer.TryWrite((null, null));
    }

    /// The loop waits for its inbox without a thread; the inbox runs it on the thread of the command that finds it
    /// idle (AllowSynchronousContinuations), so a post or poll to a quiet room is stepped where it arrived, with no
    /// hand-over to another thread; commands that arrive meanwhile are queued and stepped by that same thread.
    private async Task RunAsync()
    {
        var inbox = _inbox.Reader;
        while (await inbox.WaitToReadAsync().ConfigureAwait(false))
        {
            // What the steps queued for the store is committed once the inbox is empty, together, or after
            // StepsPerCommit steps: a room whose inbox never empties still gets its posts stored.
            for (var steps = 0; steps < StepsPerCommit && inbox.TryRead(out var item); steps++)
            {
                if (!_unloaded) Handle(item.Command, item.Exchange);
                else if (item.Command is not null) await _directory.ForwardAsync(Name, item.Command, item.Exchange).ConfigureAwait(false);
            }
            _interpreter.Settle();
        }
        Timeouts.Dispose();
    }

    private const int StepsPerCommit = 256;

    /// A command, or a tick (no command): the polls whose time is up expire, and an unload asked for is tried.
    private void Handle(Command? command, Exchange? exchange)
    {
        if (command is not null)
        {
            Step(command, exchange);
            return;
        }
        foreach (var waiter in Timeouts.TakeDue()) Step(new Command.Timeout(waiter), null);
        if (Interlocked.Exchange(ref _unloadAsked, 0) == 1) UnloadIfIdle();
    }

    private void UnloadIfIdle()
    {
        if (_open.Count > 0 || _state.HeldCount > 0 || !_state.Pending.IsEmpty || Presence.Snapshot().Here.Count > 0) return;
        _unloaded = true;
        Timeouts.Dispose();
        _directory.Unloaded(this);
    }

    private void Step(Command command, Exchange? exchange)
    {
        try
        {
            if (exchange is not null) _open[exchange.Id] = exchange;
            var (state, effects) = Room.Step(_state, command);
            Volatile.Write(ref _state, state);
            for (var i = 0; i < effects.Count; i++) _interpreter.Run(effects[i]); // Seq's enumerator is an object a step
        }
        catch (Exception e)
        {
            Log.RoomStepFailed(_log, e, Name.Value, command.GetType().Name);
            if (exchange is not null && _open.Remove(exchange.Id)) exchange.Complete(new Outcome.Unavailable("the room failed this request"));
        }
    }

    /// Answers every held exchange 204 (graceful shutdown: clients poll again elsewhere).
    public void ExpireAll()
    {
        foreach (var waiter in State.Waiters.SelectMany(kv => kv.Value.Select(id => new Waiter(id, kv.Key))))
            Send(new Command.Timeout(waiter));
    }
}
