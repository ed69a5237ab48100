using Chat.Core.Values;

namespace Chat.Host.Auth;

/// A room-name pattern: room-name characters and `*`, which matches any run of them (`team-*`, `*-private`, `*`).
public static class RoomPattern
{
    public static bool IsValid(string pattern) =>
        pattern.Length is > 0 and <= 200 && pattern.All(c => c == '*' || char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    public static bool Matches(string pattern, RoomName room) => Matches(pattern.AsSpan(), room.Value.AsSpan());

    public static bool AnyMatches(IEnumerable<string> patterns, RoomName room) => patterns.Any(p => Matches(p, room));

    /// The text between stars, in order: anchored at both ends unless a star is there.
    private static bool Matches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> name)
    {
        var star = pattern.IndexOf('*');
        if (star < 0) return pattern.SequenceEqual(name);
        if (!name.StartsWith(pattern[..star], StringComparison.Ordinal)) return false;
        name = name[star..];
        pattern = pattern[(star + 1)..];
        while (true)
        {
            star = pattern.IndexOf('*');
            if (star < 0) return name.EndsWith(pattern, StringComparison.Ordinal);
            var part = pattern[..star];
            var at = name.IndexOf(part, StringComparison.Ordinal);
            if (at < 0) return false;
            name = name[(at + part.Length)..];
            pattern = pattern[(star + 1)..];
        }
    }
}
