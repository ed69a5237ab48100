namespace Chat.Client;

/// <summary>One message of a room, as the batch answer (<c>GET /rooms/{room}/messages</c>) carries it.</summary>
/// <param name="Index">Its number in the room: 0, 1, 2, … in the order the service accepted the posts.</param>
/// <param name="Text">Exactly the text that was posted.</param>
/// <param name="Author">The name it was posted with, or null when anonymous.</param>
/// <param name="Time">When the service stored it, or null for messages stored before times were kept.</param>
public sealed record ChatMessage(long Index, string Text, string? Author, DateTimeOffset? Time);

/// <summary>A message and the room it was posted to, as a follow of several rooms yields it.</summary>
public sealed record RoomMessage(string Room, ChatMessage Message);
