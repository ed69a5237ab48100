using LanguageExt;

namespace Chat.Core.Values;

/// The client's name for one logical post, so a retry after a lost response stores nothing new.
public sealed record IdempotencyKey
{
    public const int MaxLength = 200;

    private IdempotencyKey(string value) => Value = value;

    public string Value { get; }

    /// No header: no key. A header must be 1-200 visible ASCII characters.
    public static Either<Rejection, Option<IdempotencyKey>> Parse(string? raw) =>
        raw is null ? Option<IdempotencyKey>.None
        : raw is { Length: > 0 and <= MaxLength } && raw.All(c => c is > ' ' and < (char)127)
            ? Option<IdempotencyKey>.Some(new IdempotencyKey(raw))
            : new Rejection.BadIdempotencyKey();

    /// A key read back from the store, where only valid keys were written.
    public static IdempotencyKey FromStore(string value) => new(value);

    public override string ToString() => Value;
}
