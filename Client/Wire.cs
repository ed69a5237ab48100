using System.Text.Json;
using System.Text.Json.Serialization;

namespace Chat.Client;

/// The service's JSON shapes that are not part of the public API (docs/protocol.md).
internal static class Wire
{
    public sealed record Posted(string Room, long Index);

    public sealed record Page(string Room, long From, long Next, IReadOnlyList<ChatMessage> Messages);

    public sealed record Pages(string Next, IReadOnlyList<Page> Rooms);

    /// <c>first</c> and <c>room</c>: a 410's, where the room (of several, <c>room</c>) starts now.
    public sealed record Problem(string? Title, string? Detail, long? First = null, string? Room = null);

    public sealed record Removed(string Room, long Index, long Removal);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Wire.Posted))]
[JsonSerializable(typeof(Wire.Page))]
[JsonSerializable(typeof(Wire.Pages))]
[JsonSerializable(typeof(Wire.Problem))]
[JsonSerializable(typeof(Wire.Removed))]
[JsonSerializable(typeof(Erasure))]
[JsonSerializable(typeof(RoomStatus))]
internal sealed partial class WireJson : JsonSerializerContext;
