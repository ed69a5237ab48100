namespace Chat.Client;

/// <summary>What <see cref="ChatClient.EraseAsync"/> removed (<c>DELETE /authors/{name}/messages</c>).</summary>
/// <param name="Author">The author whose messages were removed.</param>
/// <param name="Removed">How many messages were removed, in all rooms.</param>
/// <param name="Rooms">Each room where some were removed, with their indexes (rooms with none are left out).</param>
public sealed record Erasure(string Author, int Removed, IReadOnlyList<RoomErasure> Rooms);

/// <summary>The messages one erasure removed in one room.</summary>
/// <param name="Room">The room.</param>
/// <param name="Indexes">The indexes of the removed messages (each now a placeholder).</param>
public sealed record RoomErasure(string Room, IReadOnlyList<long> Indexes);
