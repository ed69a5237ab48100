using Chat.Core.Room;
using Chat.Core.Values;

namespace Chat.Host.Rooms;

/// One HTTP exchange waiting for its room: a poll held open, or a post waiting for its commit.
/// It is its own TaskCompletionSource (one allocation per request). Two ways to end:
/// - awaited (a post, an event stream): its task ends with the outcome, and the continuation runs on the thread
///   pool, so a fan-out's thousands of responses are written by every core, not by the room's loop;
/// - answering (a seed or batch poll, given its endpoint's <see cref="IResponder"/>): the exchange queues itself
///   on the thread pool and writes the response there, and its task, which is the request's own, ends once the
///   response is written, with <see cref="Outcome.Answered"/>. A held poll is then this object and its task,
///   with no frame of the handler's kept alive (each byte a held poll keeps is paid 15,000 times in the benchmark).
public sealed class Exchange : TaskCompletionSource<Outcome>, IThreadPoolWorkItem
{
    private static long _last;
    private static readonly object AnsweringMark = new();
    private readonly Want _want;
    private readonly RoomLoop? _room;
    private readonly HttpContext? _http;
    private readonly IResponder? _responder;
    private WaiterQuota.Lease? _lease;
    private Presence.Entry? _here;
    private CancellationTokenRegistration _hangUp;
    private Outcome? _outcome;

    private Exchange(Want want, RoomLoop? room, HttpContext? http, IResponder? responder)
        : base(responder is null ? null : AnsweringMark, responder is null ? TaskCreationOptions.RunContinuationsAsynchronously : TaskCreationOptions.None)
    {
        Id = new WaiterId(Interlocked.Increment(ref _last));
        _want = want;
        _room = room;
        _http = http;
        _responder = responder;
    }

    public WaiterId Id { get; }

    public Waiter Waiter => new(Id, _want);

    /// A poll whose outcome its caller awaits.
    public static Exchange ForPoll(RoomLoop room, Want want) => new(want, room, null, null);

    /// A poll that writes its own response with <paramref name="responder"/> (see the class comment).
    public static Exchange Answering(RoomLoop room, Want want, HttpContext http, IResponder responder) => new(want, room, http, responder);

    public static Exchange ForPost() => new(default, null, null, null);

    /// This task is an answering exchange's: it ends once the response is written, so there is nothing to await.
    public static bool AnswersItself(Task task) => ReferenceEquals(task.AsyncState, AnsweringMark);

    /// Seed: `async_on_peer_reset`. The client hung up: tell its room at once, not at its timeout.
    public void Abandon() => _room?.Send(new Command.Reset(Waiter));

    /// Holds the poll: its quota lease and its client's presence end with the exchange, and a hang-up resets it in its room. Nothing waits
    /// in between. The hang-up registration ends with the exchange too: over HTTP/1.x it is on the connection's
    /// token, which outlives the request, so a registration left behind would keep every exchange a keep-alive
    /// connection ever held alive until the connection closed (a follower polls once per message).
    public Task<Outcome> Hold(WaiterQuota.Lease? lease, CancellationToken aborted, Presence.Entry? here = null)
    {
        _lease = lease;   // before the room can see the exchange, so that its completion always finds the lease
        _here = here;
        _room!.Send(new Command.Subscribe(Waiter), this);
        _hangUp = aborted.UnsafeRegister(static exchange => ((Exchange)exchange!).Abandon(), this);
        if (Volatile.Read(ref _outcome) is not null) _hangUp.Unregister(); // answered before it was registered
        return Task;
    }

    /// Answers the exchange, once (later answers are ignored), and lets go of what it held.
    public void Complete(Outcome outcome)
    {
        if (Interlocked.CompareExchange(ref _outcome, outcome, null) is not null) return;
        Release();
        if (_responder is null) TrySetResult(outcome);
        else ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// What a held poll holds beyond its answer: its quota lease, its presence and its hang-up registration
    /// (unregistered without waiting: this may run in the hang-up callback itself).
    private void Release()
    {
        Interlocked.Exchange(ref _lease, null)?.Dispose();
        Interlocked.Exchange(ref _here, null)?.Leave();
        _hangUp.Unregister();
    }

    /// An answering exchange's response, written on the thread pool.
    void IThreadPoolWorkItem.Execute()
    {
        Task written;
        try
        {
            written = _responder!.RespondAsync(_http!, _room!.Name, _outcome!);
        }
        catch (Exception e)
        {
            TrySetException(e);
            return;
        }
        if (written.IsCompletedSuccessfully) TrySetResult(Outcome.AnsweredOnce);
        else written.ContinueWith(static (w, exchange) => ((Exchange)exchange!).Written(w), this,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Written(Task written)
    {
        if (written.IsCompletedSuccessfully) TrySetResult(Outcome.AnsweredOnce);
        else if (written.Exception is { } e) TrySetException(e.InnerExceptions);
        else TrySetCanceled();
    }
}
