namespace Chat.Bench.Reference;

/// The messages and the requests held for the next one, under one lock.
public sealed class MessageLog
{
    private readonly Lock gate = new();
    private readonly List<string> messages = [];
    private HashSet<TaskCompletionSource<string>> waiters = [];

    public void Post(string text)
    {
        HashSet<TaskCompletionSource<string>> ready;
        lock (gate)
        {
            messages.Add(text);
            ready = waiters;
            waiters = [];
        }
        foreach (var waiter in ready)
            waiter.TrySetResult(text);
    }

    /// n &lt; count: (text, null). n == count: (null, a waiter for the next post). n &gt; count or n &lt; 0: (null, null).
    public (string? Text, TaskCompletionSource<string>? Waiter) Get(int n)
    {
        lock (gate)
        {
            if (n >= 0 && n < messages.Count)
                return (messages[n], null);
            if (n != messages.Count)
                return (null, null);
            var waiter = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Add(waiter);
            return (null, waiter);
        }
    }

    public void Forget(TaskCompletionSource<string> waiter)
    {
        lock (gate)
            waiters.Remove(waiter);
    }
}
