namespace Chat.Core;

/// Why a request is refused before it reaches a room: expected errors, as values.
/// The host's Problems table is the only place that turns one into a status code.
public abstract record Rejection
{
    private Rejection() { }

    /// The form has no `message` field.
    public sealed record MissingMessage : Rejection;

    /// The `message` field is empty.
    public sealed record EmptyMessage : Rejection;

    /// The message is larger than the configured limit, in UTF-8 bytes.
    public sealed record TooLarge(long LimitBytes) : Rejection;

    /// The body could not be read as a form (bad content type, bad encoding, malformed multipart).
    public sealed record BadForm(string Detail) : Rejection;

    /// The body is not a form (`application/x-www-form-urlencoded` or `multipart/form-data`).
    public sealed record NotAForm(string ContentType) : Rejection;

    /// The index in the path is not a decimal number.
    public sealed record BadIndex(string Raw) : Rejection;

    /// The index is past anything the room could hold (larger than any count), so nothing can ever be there.
    public sealed record IndexOutOfRange(string Raw) : Rejection;

    /// A query parameter is out of its range.
    public sealed record BadParameter(string Name, string Detail) : Rejection;

    /// The room name is not `[A-Za-z0-9_-]{1,64}`.
    public sealed record BadRoom(string Raw) : Rejection;

    /// The `name` field is not a display name (empty once trimmed, too long, control characters).
    public sealed record BadName(string Detail) : Rejection;

    /// The Idempotency-Key header is not 1-200 visible ASCII characters.
    public sealed record BadIdempotencyKey : Rejection;

    /// A protected room, and no valid token: none at all, or <paramref name="InvalidToken"/> (malformed, expired,
    /// wrongly signed).
    public sealed record Unauthenticated(string Detail, bool InvalidToken) : Rejection;

    /// A valid token that does not cover the room or the act.
    public sealed record Forbidden(string Detail) : Rejection;

    /// A protective limit is reached; try again after the given time.
    public sealed record TooMany(string What, TimeSpan RetryAfter, bool ServerWide) : Rejection;

    /// The store cannot take the message right now; try again.
    public sealed record Unavailable(string What, TimeSpan RetryAfter) : Rejection;
}
