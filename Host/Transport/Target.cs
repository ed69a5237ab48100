using Chat.Core.Room;
using Chat.Core.Values;

namespace Chat.Host.Transport;

/// A poll this path answers, read from a plain path and query: the seed's `/chat/get/N` and `/rooms/{room}/get/N`, the
/// batch's `/chat/messages` and `/rooms/{room}/messages`, with `from`, `limit` and `client` parameters at most once
/// each. Anything else (another route or parameter, an escape, a value that does not parse, so that the answer is a
/// 400) is null: Kestrel's routes answer it. The values are parsed by the routes' own functions.
public readonly record struct Target(bool Batch, RoomName Room, Want Want, string? Client)
{
    public static Target? Read(string path, string? query, int maxBatch)
    {
        if (!TryQuery(query, out var from, out var limit, out var client)) return null;
        Span<Range> at = stackalloc Range[MaxSegments];
        var asked = Segments(path, at) switch
        {
            4 when Is(path, at, "chat", "get") => (Batch: false, Endpoints.Get.Asked(RoomName.Default.Value, path[at[3]])),
            5 when Is(path, at, "rooms", null, "get") => (Batch: false, Endpoints.Get.Asked(path[at[2]], path[at[4]])),
            3 when Is(path, at, "chat", "messages") => (Batch: true, Endpoints.Batch.Asked(RoomName.Default.Value, from, limit, maxBatch)),
            4 when Is(path, at, "rooms", null, "messages") => (Batch: true, Endpoints.Batch.Asked(path[at[2]], from, limit, maxBatch)),
            _ => (Batch: false, default),
        };
        if (asked.Item2.IsBottom || asked.Item2.IsLeft) return null;
        var (name, want) = ((RoomName, Want))asked.Item2;
        return new Target(asked.Batch, name, want, client);
    }

    /// One more than the routes' most segments: a path with more is none of theirs.
    public const int MaxSegments = 6;

    /// Where each `/`-separated segment of <paramref name="path"/> is, and how many there are (0: more than the
    /// routes have, or no leading `/`). Ranges, not strings: a poll makes only the strings it keeps.
    public static int Segments(string path, Span<Range> at)
    {
        var count = path.AsSpan().Split(at, '/');
        return count == MaxSegments || count == 0 || path[at[0]].Length != 0 ? 0 : count;
    }

    /// Whether the segments after the leading `/` are <paramref name="names"/> (null: any segment).
    public static bool Is(string path, ReadOnlySpan<Range> at, params ReadOnlySpan<string?> names)
    {
        for (var i = 0; i < names.Length; i++)
            if (names[i] is { } name && !path.AsSpan()[at[i + 1]].SequenceEqual(name)) return false;
        return true;
    }

    /// `?k=v&...` with only these keys, each once, and values that need no decoding.
    private static bool TryQuery(string? query, out string? from, out string? limit, out string? client)
    {
        (from, limit, client) = (null, null, null);
        if (query is null) return true;
        if (query.Length < 2 || query[0] != '?') return false;
        foreach (var pair in query[1..].Split('&'))
        {
            var eq = pair.IndexOf('=');
            if (eq < 0) return false;
            var value = pair[(eq + 1)..];
            if (value.AsSpan().IndexOfAnyExcept(ValueChars) >= 0) return false;
            switch (pair[..eq])
            {
                case "from" when from is null: from = value; break;
                case "limit" when limit is null: limit = value; break;
                case "client" when client is null: client = value; break;
                default: return false;
            }
        }
        return true;
    }

    private static readonly System.Buffers.SearchValues<char> ValueChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
}
