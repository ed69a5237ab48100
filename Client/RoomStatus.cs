namespace Chat.Client;

/// <summary>Where a room stands (<c>GET /rooms/{room}</c>).</summary>
/// <param name="Room">The room's name.</param>
/// <param name="Next">The index the next message will get: follow from here to skip the history.</param>
/// <param name="Held">Polls the answering node holds for the room now.</param>
/// <param name="Here">Who follows the room now.</param>
/// <param name="First">The first index the room keeps (0 unless retention trimmed it): the history starts here.</param>
public sealed record RoomStatus(string Room, long Next, int Held, RoomHere Here, long First = 0);

/// <summary>Who is in a room now.</summary>
/// <param name="Count">Clients following the room, each counted once (a client is its client id).</param>
/// <param name="Names">The names those clients posted with recently, in order.</param>
public sealed record RoomHere(int Count, IReadOnlyList<string> Names);
