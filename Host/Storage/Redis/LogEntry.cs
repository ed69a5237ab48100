using System.Globalization;
using System.Text;
using Chat.Core.Values;
using LanguageExt;

namespace Chat.Host.Storage.Redis;

/// A message as one entry of a room's Redis list: the byte 0xFF, the stored time (Unix milliseconds, empty if
/// none), LF, the author (empty when anonymous), LF, the text. 0xFF never starts valid UTF-8, so an entry written
/// before authors and times were kept (the text alone) still reads as the text, with neither. A name holds no
/// control character, so the second LF ends it.
public static class LogEntry
{
    public const byte Marker = 0xFF;

    public static byte[] Encode(Message message)
    {
        var time = message.Time.Match(t => t.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), () => "");
        var author = message.Author.Match(a => a.Value, () => "");
        var head = Encoding.UTF8.GetBytes($"{time}\n{author}\n");
        var entry = new byte[1 + head.Length + message.Text.Bytes];
        entry[0] = Marker;
        head.CopyTo(entry, 1);
        Encoding.UTF8.GetBytes(message.Text.Value, entry.AsSpan(1 + head.Length));
        return entry;
    }

    public static Message Decode(ReadOnlySpan<byte> entry)
    {
        if (entry.IsEmpty || entry[0] != Marker) return Message.Of(MessageText.FromStore(Encoding.UTF8.GetString(entry)));
        var rest = entry[1..];
        var timeEnd = rest.IndexOf((byte)'\n');
        var time = rest[..timeEnd];
        rest = rest[(timeEnd + 1)..];
        var authorEnd = rest.IndexOf((byte)'\n');
        var author = rest[..authorEnd];
        return new Message(MessageText.FromStore(Encoding.UTF8.GetString(rest[(authorEnd + 1)..])),
            author.IsEmpty ? Option<AuthorName>.None : AuthorName.FromStore(Encoding.UTF8.GetString(author)),
            time.IsEmpty ? Option<DateTimeOffset>.None : DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(Encoding.ASCII.GetString(time), CultureInfo.InvariantCulture)));
    }
}
