using StackExchange.Redis;

namespace Chat.Host.Storage.Redis;

/// `WAIT` for one master, shared by the posts on this node's link to it. WAIT blocks the link (Redis answers nothing
/// else on it meanwhile) and counts every write made on it before it was sent, so one WAIT at a time serves every
/// post whose append has answered by then: a post that comes while one is out waits for the next, which starts as
/// soon as that one ends (group commit, as the SQLite writer commits a batch).
public sealed class ReplicaWait(IServer master, int replicas, TimeSpan timeout)
{
    private readonly object _gate = new();
    private bool _running;
    private TaskCompletionSource<long>? _next;

    /// How many replicas hold every write this link made before the call (at most <c>replicas</c>, after at most
    /// <c>timeout</c>).
    public Task<long> WaitAsync()
    {
        lock (_gate)
        {
            var next = _next ??= new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_running) Start();
            return next.Task;
        }
    }

    private void Start()
    {
        var batch = _next!;
        _next = null;
        _running = true; // before the call: a WAIT that completes at once clears it inside
        _ = RunAsync(batch);
    }

    private async Task RunAsync(TaskCompletionSource<long> batch)
    {
        try
        {
            batch.SetResult((long)await master.ExecuteAsync("WAIT", replicas, (long)timeout.TotalMilliseconds).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            batch.SetException(e);
        }
        lock (_gate)
        {
            _running = false;
            if (_next is not null) Start();
        }
    }
}
