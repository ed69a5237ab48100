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
        raw == Default.Value ? Default
        : raw is { Length: > 0 and <= MaxLength } && IsName(raw) ? new RoomName(raw)
        : new Rejection.BadRoom(raw ?? "");

    /// A loop over the characters (every request names its room; `All` would allocate an enumerator).
    private static bool IsName(string raw)
    {
        foreach (var c in raw)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-')) return false;
        return true;
    }

    public override string ToString() => Value;
}
