using LanguageExt;

namespace Chat.Core.Values;

/// A room's name: `[A-Za-z0-9_-]{1,64}`. `/chat/...` is the room named `chat`.
public sealed record RoomName
{
    public const int MaxLength = 64;

    public static readonly RoomName Default = new("chat");

    private RoomName(string value) => Value = value;

    public string Value { get; }

    public static Either<Rejection, RoomName> Parse(string? raw) =>
        raw is { Length: > 0 and <= MaxLength } && raw.All(IsNameChar)
            ? new RoomName(raw)
            : new Rejection.BadRoom(raw ?? "");

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-';

    public override string ToString() => Value;
}
