namespace Chat.Core.Values;

/// Names one exchange the host is holding open (a poll or a post awaiting its ack).
/// The host makes them unique; the core only compares them.
public readonly record struct WaiterId(long Value)
{
    public override string ToString() => $"w{Value}";
}

/// Equality for <see cref="WaiterId"/> in LanguageExt's hashed collections. Their default instance boxes a struct
/// on every hash and comparison (48 B per lookup, measured); a room adds and finds a waiter for every held poll.
public readonly struct EqWaiterId : LanguageExt.TypeClasses.Eq<WaiterId>
{
    public bool Equals(WaiterId x, WaiterId y) => x.Value == y.Value;
    public int GetHashCode(WaiterId x) => x.Value.GetHashCode();
    public Task<bool> EqualsAsync(WaiterId x, WaiterId y) => Task.FromResult(Equals(x, y));
    public Task<int> GetHashCodeAsync(WaiterId x) => Task.FromResult(GetHashCode(x));
}
