namespace Chat.Host.Storage;

/// Group commit on an event loop. The path's epoll thread handles a batch of ready connections at a time; the posts
/// among them are stepped on that thread one after another, so each would find its room's inbox empty and commit
/// alone. Instead, their commits wait for the end of the batch, and the posts that came together share one. Not a
/// followed room's (<see cref="StoreWriter.Commit"/>'s <c>awaited</c>): its fan-out would wait for the whole batch.
public static class BatchCommits
{
    [ThreadStatic] private static List<StoreWriter>? _batch; // set while this thread handles a batch
    [ThreadStatic] private static List<StoreWriter>? _spare;

    public static void Begin() => _batch = _spare ?? [];

    /// Whether the commit waits for the end of this thread's batch (false: no batch runs here, commit now).
    public static bool Defer(StoreWriter writer)
    {
        if (_batch is not { } batch) return false;
        if (!batch.Contains(writer)) batch.Add(writer);
        return true;
    }

    /// Commits what the batch deferred, from here on as any thread does.
    public static void End()
    {
        if (_batch is not { } batch) return;
        _batch = null;
        foreach (var writer in batch) writer.Commit();
        batch.Clear();
        _spare = batch;
    }
}
