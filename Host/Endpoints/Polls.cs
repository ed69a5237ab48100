using Chat.Host.Auth;
using Chat.Host.Rooms;
using Chat.Host.Storage;

namespace Chat.Host.Endpoints;

/// The two long polls, seed and batch, shared by Kestrel's routes and the transport path (Host/Transport).
public sealed class Polls(RoomDirectory rooms, IMessageStore store, Access access)
{
    public LongPoll Get { get; } = new(rooms, store, access, Endpoints.Get.Render(access), Endpoints.Get.RenderGone(access));
    public LongPoll Batch { get; } = new(rooms, store, access, Endpoints.Batch.Render, Endpoints.Batch.RenderGone);
}
