using Chat.Core.Values;

namespace Chat.Host.Storage;

/// Where the <see cref="StoreWriter"/> tells how a room's appends went (a room's loop, which steps them as commands).
public interface IStoreSink
{
    /// Every append below <paramref name="upTo"/> is durable.
    void Stored(MessageIndex upTo);

    /// The appends from <paramref name="from"/> on were not stored.
    void Failed(MessageIndex from);
}
