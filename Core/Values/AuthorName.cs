using System.Text;
using LanguageExt;

namespace Chat.Core.Values;

/// The display name a post carries: trimmed, 1-64 characters (Unicode scalar values), no control characters.
/// A name is what its author says it is; protected rooms take it from a signed token instead.
public sealed record AuthorName
{
    public const int MaxLength = 64;

    private AuthorName(string value) => Value = value;

    public string Value { get; }

    /// No field: anonymous. A field must hold a name once trimmed.
    public static Either<Rejection, Option<AuthorName>> Parse(string? raw)
    {
        if (raw is null) return Option<AuthorName>.None;
        var name = raw.Trim();
        var length = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            if (Rune.IsControl(rune)) return new Rejection.BadName("A name may not hold control characters.");
            length++;
        }
        return length is 0 or > MaxLength
            ? new Rejection.BadName($"A name is 1-{MaxLength} characters once trimmed.")
            : Option<AuthorName>.Some(new AuthorName(name));
    }

    /// A name read back from the store, where only valid names were written.
    public static AuthorName FromStore(string value) => new(value);

    public override string ToString() => Value;
}
