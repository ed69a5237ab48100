using Chat.Core.Values;

namespace Chat.Core.Room;

/// What a waiter asked for: up to <see cref="Limit"/> messages from <see cref="At"/> on.
/// A seed poll (`/get/N`) asks for exactly one; a batch asks for up to its limit.
public readonly record struct Want(MessageIndex At, int Limit)
{
    public static Want One(MessageIndex at) => new(at, 1);
}

/// One held exchange and what it asked for. Reset and Timeout carry the whole waiter, so the core
/// finds it without a second index over every waiter (the fan-out of 15,000 stays one map removal).
public readonly record struct Waiter(WaiterId Id, Want Want)
{
    public MessageIndex At => Want.At;
}
