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

    /// A moderator's removal: this entry takes its own index and removes the message at <see cref="Removes"/>. Its text
    /// is empty and its author is the moderator (if named).
    public Option<MessageIndex> Removes { get; init; }

    /// The message was removed by the entry at <see cref="RemovedBy"/>: it keeps its index and time, nothing else.
    public Option<MessageIndex> RemovedBy { get; init; }

    public static Message Removal(MessageIndex target, Option<AuthorName> moderator, Option<DateTimeOffset> time) =>
        new(MessageText.FromStore(""), moderator, time) { Removes = target };

    /// What stays at a removed message's index: a placeholder, so indexes never move.
    public Message ErasedBy(MessageIndex removal) =>
        new(MessageText.FromStore(""), Option<AuthorName>.None, Time) { RemovedBy = removal };

    public override string ToString() => Text.Value;
}
