using Chat.Core.Room;
using Chat.Host.Endpoints;
using Chat.Host.Rooms;

namespace Chat.Host.Transport;

/// A poll of the path waiting in its room: all the room keeps for it. Completed, it lets its seat go and has its
/// connection write the answer, a fan-out's from the thread that completes it (<see cref="HeldPollConnection"/>).
public sealed class HeldPoll(RoomLoop room, Want want, Seat? seat, HeldPollConnection connection, LongPoll polls, bool close, bool head)
    : Exchange(room, want)
{
    public RoomLoop Loop => Room!;
    public LongPoll Polls => polls;

    /// The request said `Connection: close`, or asked `HEAD`: its answer is not the fan-out's shared bytes.
    public bool Close => close;
    public bool Head => head;

    public override void Complete(Outcome outcome)
    {
        seat?.Dispose();
        connection.Answered(this, outcome);
    }
}
