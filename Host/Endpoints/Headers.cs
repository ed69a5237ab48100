using Chat.Core.Values;

namespace Chat.Host.Endpoints;

/// The HTTP caching facts of the protocol, in one place.
public static class Headers
{
    /// A stored message never changes: a response that found it may be cached for a year and never revalidated.
    public const string Immutable = "public, max-age=31536000, immutable";

    /// …but only by the reader's own cache, in a protected room.
    public const string ImmutablePrivate = "private, max-age=31536000, immutable";

    /// Anything that depends on time (held answers, 204, 404 past the end, posts) must not be cached.
    public const string NoStore = "no-store";

    public const string PlainText = "text/plain; charset=utf-8";

    /// A strong ETag: the index and a digest of the exact bytes, so it changes if the bytes could.
    public static string ETag(MessageIndex at, string digest) => $"\"{at}-{digest}\"";
}
