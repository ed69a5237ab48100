namespace Chat.Client;

public sealed partial class ChatClient
{
    /// <summary>Removes message <paramref name="index"/> of <paramref name="room"/> (a moderator's token, see
    /// <see cref="ChatClientOptions.Token"/>, whose <c>chat</c> claim's <c>moderate</c> covers the room). The removal is
    /// an entry of the room's log of its own, delivered to followers in order; the message stays at its index with its
    /// text and author erased. Returns the removal's index; removing a message again (or a retry) answers the first
    /// removal's index.</summary>
    /// <exception cref="ChatException">The service refused: no token (401), a token that may not moderate the room, or
    /// a service with no key to check tokens (403), <paramref name="index"/> past the room's end (404) or below its
    /// first kept index (410), a bad room name (400).</exception>
    /// <exception cref="HttpRequestException">No node answered, after every retry.</exception>
    /// <exception cref="TimeoutException">The last attempt took longer than <see cref="ChatClientOptions.RequestTimeout"/>.</exception>
    public async Task<long> RemoveAsync(string room, long index, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var reply = await ExecuteAsync(_removals, HttpMethod.Delete, $"{RoomPath(room)}/messages/{index}", null, null,
            WireJson.Default.Removed, ct).ConfigureAwait(false);
        return reply.Value!.Removal;
    }

    /// <summary>Removes every message <paramref name="author"/> wrote in every room <paramref name="roomsPattern"/>
    /// names (room-name characters and <c>*</c>; <c>*</c> for every room) that the token may moderate, each as
    /// <see cref="RemoveAsync"/> does; rooms the token may not moderate are left as they are. Returns how many were
    /// removed, and where. What is removed stays removed, so a retry after a lost answer is safe, but it counts only
    /// what was left to remove.</summary>
    /// <exception cref="ChatException">The service refused: no token (401), a token that may moderate no room (403), a
    /// bad name or pattern (400), or a room that could not be erased after the retries (503).</exception>
    /// <exception cref="HttpRequestException">No node answered, after every retry.</exception>
    /// <exception cref="TimeoutException">The last attempt took longer than <see cref="ChatClientOptions.RequestTimeout"/>.</exception>
    public async Task<Erasure> EraseAsync(string author, string roomsPattern, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(author);
        ArgumentException.ThrowIfNullOrEmpty(roomsPattern);
        var reply = await ExecuteAsync(_erasures, HttpMethod.Delete,
            $"authors/{Uri.EscapeDataString(author)}/messages?rooms={Uri.EscapeDataString(roomsPattern)}", null, null,
            WireJson.Default.Erasure, ct).ConfigureAwait(false);
        return reply.Value!;
    }
}
