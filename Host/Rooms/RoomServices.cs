using Chat.Host.Observability;
using Chat.Host.Storage;

namespace Chat.Host.Rooms;

/// What every room loop and its interpreter share.
public sealed record RoomServices(StoreWriter Writer, TimeProvider Clock, TimeSpan PollTimeout, ChatMetrics Metrics, ILogger Log, ISharedLog? SharedLog,
    TimeSpan HereGrace, TimeSpan NamesFor);
