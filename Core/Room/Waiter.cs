using Chat.Core.Values;

namespace Chat.Core.Room;

/// What a waiter asked for: up to <see cref="Limit"/> messages from <see cref="At"/> on.
/// A seed poll (`/get/N`) asks for exactly one; a batch asks for up to its limit.
public readonly record struct Want(MessageIndex At, int Limit)
{
    public static Want One(MessageIndex at) => new(at, 1);
}

/// Equality for <see cref="Want"/> as a key of LanguageExt's hashed maps, without boxing (see <see cref="EqWaiterId"/>).
public readonly struct EqWant : LanguageExt.TypeClasses.Eq<Want>
{
    public bool Equals(Want x, Want y) => x == y;
    public int GetHashCode(Want x) => x.GetHashCode();
    public Task<bool> EqualsAsync(Want x, Want y) => Task.FromResult(Equals(x, y));
    public Task<int> GetHashCodeAsync(Want x) => Task.FromResult(GetHashCode(x));
}

/// One held exchange and what it asked for. Reset and Timeout carry the whole waiter, so the core
/// finds it without a second index over every waiter (the fan-out of 15,000 stays one map removal).
public readonly record struct Waiter(WaiterId Id, Want Want)
{
    public MessageIndex At => Want.At;
}
