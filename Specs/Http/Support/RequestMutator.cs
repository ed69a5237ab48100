using System.Text;

namespace Chat.Specs.Http.Support;

/// Seeded mutations of corpus entries: several requests pipelined in one write, headers duplicated, removed or
/// re-cased, bytes of a request line or header replaced, the stream cut off at a byte, and split at random bytes.
/// The same seed makes the same streams.
public sealed class RequestMutator(Random random, IReadOnlyList<RequestCorpus.Entry> corpus)
{
    /// Bytes a parser treats specially, and a few it should refuse, as replacements.
    private static readonly byte[] Interesting = Encoding.Latin1.GetBytes(" \t\r\n:/?%#\0\u007f\u00ff0123456789aZ-.,;\"");

    public RequestStream Next()
    {
        var parts = new List<RequestCorpus.Entry> { Pick() };
        if (random.Next(100) < 25)
            for (var more = random.Next(1, 4); more > 0; more--) parts.Add(Pick());
        var names = new List<string> { string.Join(" + ", parts.Select(p => p.Name)) };
        var bytes = parts.Select(p => p.Bytes).ToList();
        if (random.Next(100) < 20)
        {
            var i = random.Next(bytes.Count);
            (bytes[i], var what) = EditHeaders(bytes[i]);
            names.Add($"{what} in request {i + 1}");
        }
        if (random.Next(100) < 20)
        {
            var i = random.Next(bytes.Count);
            (bytes[i], var what) = Flip(bytes[i]);
            names.Add($"{what} in request {i + 1}");
        }
        var all = bytes.SelectMany(b => b).ToArray();
        var shut = Shut.Never;
        if (all.Length > 1 && random.Next(100) < 12)
        {
            all = all[..random.Next(1, all.Length)];
            shut = Shut.OnceQuiet;
            names.Add($"cut after byte {all.Length}, then a FIN");
        }
        else if (names.Count == 1 && parts is [{ Name: var held }] && held.StartsWith("held", StringComparison.Ordinal) && random.Next(100) < 30)
        {
            shut = Shut.AtOnce;
            names.Add("a FIN while it is held");
        }
        var splits = Array.Empty<int>();
        if (all.Length > 1 && random.Next(100) < 40)
        {
            splits = Enumerable.Range(0, random.Next(1, 5)).Select(_ => random.Next(1, all.Length)).Distinct().Order().ToArray();
            names.Add($"written in pieces at {string.Join(",", splits)}");
        }
        return new RequestStream(string.Join("; ", names), all, splits, shut);
    }

    private RequestCorpus.Entry Pick() => corpus[random.Next(corpus.Count)];

    /// The head's lines (request line, fields) up to the first empty line, and what follows it.
    private static (List<string> Lines, string? After) Head(byte[] request)
    {
        var text = Encoding.Latin1.GetString(request);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return end < 0 ? ([.. text.Split("\r\n")], null) : ([.. text[..end].Split("\r\n")], text[(end + 2)..]);
    }

    /// A field duplicated, removed, or its name (or the whole line, or the method) in other letter case.
    private (byte[], string) EditHeaders(byte[] request)
    {
        var (lines, rest) = Head(request);
        if (lines.Count < 2) return (request, "no field to edit");
        var i = random.Next(1, lines.Count);
        var colon = lines[i].IndexOf(':');
        string what;
        switch (random.Next(5))
        {
            case 0:
                lines.Insert(i, lines[i]);
                what = $"field {i} duplicated";
                break;
            case 1:
                lines.RemoveAt(i);
                what = $"field {i} removed";
                break;
            case 2 when colon > 0:
                lines[i] = ReCase(lines[i][..colon]) + lines[i][colon..];
                what = $"field {i}'s name re-cased";
                break;
            case 3:
                lines[i] = random.Next(2) == 0 ? lines[i].ToUpperInvariant() : lines[i].ToLowerInvariant();
                what = $"field {i} re-cased whole";
                break;
            default:
                var space = Math.Max(0, lines[0].IndexOf(' '));
                lines[0] = ReCase(lines[0][..space]) + lines[0][space..];
                what = "method re-cased";
                break;
        }
        return (Encoding.Latin1.GetBytes(string.Join("\r\n", lines) + (rest is null ? "" : "\r\n" + rest)), what);
    }

    private string ReCase(string text) =>
        string.Concat(text.Select(c => random.Next(2) == 0 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c)));

    /// One to three bytes of the head (request line and fields) replaced: by a byte parsers care about, any byte, or
    /// the same with one bit flipped.
    private (byte[], string) Flip(byte[] request)
    {
        var copy = (byte[])request.Clone();
        var end = request.AsSpan().IndexOf("\r\n\r\n"u8);
        var head = end < 0 ? request.Length : end + 4;
        var flips = new List<string>();
        for (var n = random.Next(1, 4); n > 0 && head > 0; n--)
        {
            var at = random.Next(head);
            var by = random.Next(3) switch
            {
                0 => Interesting[random.Next(Interesting.Length)],
                1 => (byte)random.Next(256),
                _ => (byte)(copy[at] ^ (1 << random.Next(8))),
            };
            flips.Add($"{at}:0x{copy[at]:X2}->0x{by:X2}");
            copy[at] = by;
        }
        return (copy, $"bytes replaced ({string.Join(" ", flips)})");
    }
}
