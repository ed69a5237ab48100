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
        var asked = path.Split('/') switch
        {
            ["", "chat", "get", var n] => (Batch: false, Endpoints.Get.Asked(RoomName.Default.Value, n)),
            ["", "rooms", var room, "get", var n] => (Batch: false, Endpoints.Get.Asked(room, n)),
            ["", "chat", "messages"] => (Batch: true, Endpoints.Batch.Asked(RoomName.Default.Value, from, limit, maxBatch)),
            ["", "rooms", var room, "messages"] => (Batch: true, Endpoints.Batch.Asked(room, from, limit, maxBatch)),
            _ => (Batch: false, default),
        };
        if (asked.Item2.IsBottom || asked.Item2.IsLeft) return null;
        var (name, want) = ((RoomName, Want))asked.Item2;
        return new Target(asked.Batch, name, want, client);
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
