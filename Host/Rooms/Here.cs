namespace Chat.Host.Rooms;

/// Who is in a room now, as `GET /rooms/{room}` shows it: how many clients follow it, and the names of those that
/// posted with one recently.
public sealed record Here(int Count, IReadOnlyList<string> Names)
{
    /// Clients counted once each; a name once even if two clients share it; names in order. (A client is a
    /// <see cref="ClientKey"/> on one node, its text where several nodes share it.)
    public static Here Of<TClient>(IEnumerable<TClient> clients, IReadOnlyDictionary<TClient, string> names) where TClient : notnull
    {
        var here = clients.ToHashSet();
        return new(here.Count, [.. here.Where(names.ContainsKey).Select(c => names[c]).Distinct().Order(StringComparer.Ordinal)]);
    }
}

/// Where a room's presence is read: this node's own, or every node's (several nodes over Redis).
public interface IHereBoard
{
    Task<Here> HereAsync(RoomLoop room);
}

/// One node alone: its rooms' own presence.
public sealed class LocalHere : IHereBoard
{
    public Task<Here> HereAsync(RoomLoop room)
    {
        var (clients, names) = room.Presence.Snapshot();
        return Task.FromResult(Here.Of(clients, names));
    }
}
