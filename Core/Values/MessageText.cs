using System.Text;
using LanguageExt;

namespace Chat.Core.Values;

/// The text of a message, exactly as posted. Never empty, never over the size limit.
/// Its UTF-8 size is computed once, at parse, because the window and the limits count bytes.
public sealed record MessageText
{
    private MessageText(string value, int bytes) => (Value, Bytes) = (value, bytes);

    public string Value { get; }

    /// Size in UTF-8 bytes: what the store keeps and the wire carries.
    public int Bytes { get; }

    public static Either<Rejection, MessageText> Parse(string raw, long maxBytes)
    {
        if (raw.Length == 0) return new Rejection.EmptyMessage();
        var bytes = Encoding.UTF8.GetByteCount(raw);
        return bytes > maxBytes ? new Rejection.TooLarge(maxBytes) : new MessageText(raw, bytes);
    }

    /// For text that was valid when it was stored (restore from the store): no limit applies again.
    public static MessageText FromStore(string value) => new(value, Encoding.UTF8.GetByteCount(value));

    public bool Equals(MessageText? other) => other is not null && string.Equals(Value, other.Value, StringComparison.Ordinal);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    public override string ToString() => Value;
}
