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
public sealed class RoomLoop
{
    private readonly Channel<(Command? Command, Exchange? Exchange)> _inbox =
        Channel.CreateUnbounded<(Command?, Exchange?)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<WaiterId, Exchange> _open = [];
    private readonly Interpreter _interpreter;
    private readonly ILogger _log;
    private RoomState _state;

    public RoomLoop(RoomName name, RoomState restored, RoomServices services)
    {
        Name = name;
        _state = restored;
        _log = services.Log;
        Timeouts = new Timeouts(services.Clock, services.PollTimeout, () => _inbox.Writer.TryWrite((null, null)));
        _interpreter = new Interpreter(this, _open, services);
        Completion = Task.Run(RunAsync);
    }

    public RoomName Name { get; }

    /// The latest state, safe to read from any thread because it is immutable.
    public RoomState State => Volatile.Read(ref _state);

    public Timeouts Timeouts { get; }

    public Task Completion { get; }

    /// Queue a command; its exchange (if any) is answered through the interpreter.
    public void Send(Command command, Exchange? exchange = null)
    {
        if (!_inbox.Writer.TryWrite((command, exchange))) exchange?.Complete(new Outcome.Unavailable("the service is shutting down"));
    }

    /// Stop taking commands; the loop ends once it has handled what is queued.
    public void Stop() => _inbox.Writer.TryComplete();

    private async Task RunAsync()
    {
        await foreach (var (command, exchange) in _inbox.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (command is null)
            {
                foreach (var waiter in Timeouts.TakeDue()) Step(new Command.Timeout(waiter), null);
                continue;
            }
            Step(command, exchange);
        }
        Timeouts.Dispose();
    }

    private void Step(Command command, Exchange? exchange)
    {
        try
        {
            if (exchange is not null) _open[exchange.Id] = exchange;
            var (state, effects) = Room.Step(_state, command);
            Volatile.Write(ref _state, state);
            foreach (var effect in effects) _interpreter.Run(effect);
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
