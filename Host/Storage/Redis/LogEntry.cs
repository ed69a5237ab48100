using System.Globalization;
using System.Text;
using Chat.Core.Values;
using LanguageExt;

namespace Chat.Host.Storage.Redis;

/// A message as one entry of a room's Redis list: the byte 0xFF, the stored time (Unix milliseconds, empty if
/// none), LF, the author (empty when anonymous), LF, the text. 0xFF never starts valid UTF-8, so an entry written
/// before authors and times were kept (the text alone) still reads as the text, with neither. A name holds no
/// control character, so the second LF ends it. A removal and a removed message's placeholder start with 0xFE instead,
/// and carry two more lines after the author: the index the entry removes, and the index of the removal that removed it.
public static class LogEntry
{
    public const byte Marker = 0xFF, Moderated = 0xFE;

    public static byte[] Encode(Message message)
    {
        var time = message.Time.Match(t => t.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), () => "");
        var author = message.Author.Match(a => a.Value, () => "");
        var moderated = message.Removes.IsSome || message.RemovedBy.IsSome;
        var head = Encoding.UTF8.GetBytes(moderated ? $"{time}\n{author}\n{Index(message.Removes)}\n{Index(message.RemovedBy)}\n" : $"{time}\n{author}\n");
        var entry = new byte[1 + head.Length + message.Text.Bytes];
        entry[0] = moderated ? Moderated : Marker;
        head.CopyTo(entry, 1);
        Encoding.UTF8.GetBytes(message.Text.Value, entry.AsSpan(1 + head.Length));
        return entry;
    }

    private static string Index(Option<MessageIndex> at) => at.Match(i => i.ToString(), () => "");

    public static Message Decode(ReadOnlySpan<byte> entry)
    {
        if (entry.IsEmpty || entry[0] is not (Marker or Moderated)) return Message.Of(MessageText.FromStore(Encoding.UTF8.GetString(entry)));
        var rest = entry[1..];
        var time = Line(ref rest);
        var author = Line(ref rest);
        var removes = entry[0] == Moderated ? Line(ref rest) : [];
        var removedBy = entry[0] == Moderated ? Line(ref rest) : [];
        return new Message(MessageText.FromStore(Encoding.UTF8.GetString(rest)),
            author.IsEmpty ? Option<AuthorName>.None : AuthorName.FromStore(Encoding.UTF8.GetString(author)),
            time.IsEmpty ? Option<DateTimeOffset>.None : DateTimeOffset.FromUnixTimeMilliseconds(Number(time)))
        {
            Removes = removes.IsEmpty ? Option<MessageIndex>.None : new MessageIndex(Number(removes)),
            RemovedBy = removedBy.IsEmpty ? Option<MessageIndex>.None : new MessageIndex(Number(removedBy)),
        };
    }

    /// The bytes up to the next LF; <paramref name="rest"/> moves past it.
    private static ReadOnlySpan<byte> Line(ref ReadOnlySpan<byte> rest)
    {
        var end = rest.IndexOf((byte)'\n');
        var line = rest[..end];
        rest = rest[(end + 1)..];
        return line;
    }

    private static long Number(ReadOnlySpan<byte> digits) => long.Parse(Encoding.ASCII.GetString(digits), CultureInfo.InvariantCulture);
}
