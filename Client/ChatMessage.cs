namespace Chat.Client;

/// <summary>One entry of a room's log, as the batch answer (<c>GET /rooms/{room}/messages</c>) carries it: a message,
/// a removed message (a placeholder), or a moderator's removal of an earlier message.</summary>
/// <param name="Index">Its number in the room: 0, 1, 2, … in the order the service accepted the posts (a removal takes
/// the next number, like a post; indexes never move).</param>
/// <param name="Text">Exactly the text that was posted; empty for a placeholder and for a removal.</param>
/// <param name="Author">The name it was posted with, or null when anonymous; null for a placeholder (erased); for a
/// removal, the moderator's token name, or null.</param>
/// <param name="Time">When the service stored it, or null for messages stored before times were kept.</param>
/// <param name="Removes">On a removal: the index of the message it removes (hide that one where it was shown); else null.</param>
/// <param name="RemovedBy">On a placeholder: the index of the removal that erased this message; else null.</param>
public sealed record ChatMessage(long Index, string Text, string? Author, DateTimeOffset? Time, long? Removes = null, long? RemovedBy = null);

/// <summary>An entry and the room it belongs to, as a follow of several rooms yields it.</summary>
public sealed record RoomMessage(string Room, ChatMessage Message)
{
    /// <summary>On a removal: the index, in <see cref="Room"/>, of the message it removes; else null.</summary>
    public long? Removes => Message.Removes;

    /// <summary>On a placeholder: the index, in <see cref="Room"/>, of the removal that erased it; else null.</summary>
    public long? RemovedBy => Message.RemovedBy;
}
