using LanguageExt;

namespace Chat.Core.Values;

/// A message as a room keeps it: the text exactly as posted, who wrote it (none: anonymous) and when it was
/// stored (none: stored before times were kept). The time comes from the host with the post: the core has no clock.
public sealed record Message(MessageText Text, Option<AuthorName> Author, Option<DateTimeOffset> Time)
{
    /// What the window and the limits count: the text's UTF-8 size.
    public int Bytes => Text.Bytes;

    /// A message with no metadata: text alone, as the seed protocol and the first stores kept it.
    public static Message Of(MessageText text) => new(text, Option<AuthorName>.None, Option<DateTimeOffset>.None);

    public override string ToString() => Text.Value;
}
