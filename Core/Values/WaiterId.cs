namespace Chat.Core.Values;

/// Names one exchange the host is holding open (a poll or a post awaiting its ack).
/// The host makes them unique; the core only compares them.
public readonly record struct WaiterId(long Value)
{
    public override string ToString() => $"w{Value}";
}
