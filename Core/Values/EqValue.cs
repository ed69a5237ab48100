namespace Chat.Core.Values;

/// Equality for a value type in LanguageExt's hashed collections (the room's waiters, by want and by id): their default
/// boxes the struct on every hash and comparison, and a room adds and finds a waiter for every held poll.
public readonly struct EqValue<T> : LanguageExt.TypeClasses.Eq<T> where T : struct, IEquatable<T>
{
    public bool Equals(T x, T y) => x.Equals(y);
    public int GetHashCode(T x) => x.GetHashCode();
    public Task<bool> EqualsAsync(T x, T y) => Task.FromResult(Equals(x, y));
    public Task<int> GetHashCodeAsync(T x) => Task.FromResult(GetHashCode(x));
}
