using System.Globalization;
using LanguageExt;

namespace Chat.Core.Values;

/// The position of a message in its room: 0, 1, 2, … in the order the room accepted them.
public readonly record struct MessageIndex(long Value) : IComparable<MessageIndex>
{
    public static readonly MessageIndex Zero = new(0);

    /// The index after this one.
    public MessageIndex Next => new(Value + 1);

    public MessageIndex Plus(long n) => new(Value + n);

    public int CompareTo(MessageIndex other) => Value.CompareTo(other.Value);

    public static bool operator <(MessageIndex a, MessageIndex b) => a.Value < b.Value;
    public static bool operator >(MessageIndex a, MessageIndex b) => a.Value > b.Value;
    public static bool operator <=(MessageIndex a, MessageIndex b) => a.Value <= b.Value;
    public static bool operator >=(MessageIndex a, MessageIndex b) => a.Value >= b.Value;

    /// Seed: `/get/(\d+)`. Only plain decimal digits are an index; a sign, a point or letters are not.
    /// Digits too many for a long name an index no room can reach: that is "not found", not "bad".
    public static Either<Rejection, MessageIndex> Parse(string? raw)
    {
        if (string.IsNullOrEmpty(raw) || !raw.All(char.IsAsciiDigit))
            return new Rejection.BadIndex(raw ?? "");
        return long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? new MessageIndex(value)
            : new Rejection.IndexOutOfRange(raw);
    }

    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}
