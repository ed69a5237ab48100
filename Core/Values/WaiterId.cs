namespace Chat.Core.Values;

/// Names one exchange the host is holding open (a poll or a post awaiting its ack).
/// The host makes them unique; the core only compares them.
public readonly record struct WaiterId(long Value)
{
    /// An id the host never holds (its ids start at 1): what the core is asked with to learn the answer a
    /// poll would get now, before anything is made to hold it.
    public static readonly WaiterId Unheld = new(0);

    public override string ToString() => $"w{Value}";
}
