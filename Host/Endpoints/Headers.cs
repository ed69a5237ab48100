using Chat.Core.Values;

namespace Chat.Host.Endpoints;

/// The HTTP caching facts of the protocol, in one place.
public static class Headers
{
    /// What never changes again (a removed message's placeholder, a removal, a trimmed index) may be cached for a year.
    public const string Immutable = "public, max-age=31536000, immutable";

    /// …but only by the reader's own cache, in a protected room.
    public const string ImmutablePrivate = "private, max-age=31536000, immutable";

    /// A message may be removed by a moderator: caches keep it but ask again (ETag, 304) before every use.
    public const string Revalidate = "public, no-cache";

    public const string RevalidatePrivate = "private, no-cache";

    /// Seed route: the entry at N is a removal of this index / a placeholder removed by this index / N was trimmed and
    /// the room starts here. The body is then empty.
    public const string Removes = "Chat-Removes", RemovedBy = "Chat-Removed-By", First = "Chat-First";

    /// Anything that depends on time (held answers, 204, 404 past the end, posts) must not be cached.
    public const string NoStore = "no-store";

    public const string PlainText = "text/plain; charset=utf-8";

    /// A strong ETag: the index and a digest of the exact bytes, so it changes if the bytes could.
    public static string ETag(MessageIndex at, string digest) => $"\"{at}-{digest}\"";
}
