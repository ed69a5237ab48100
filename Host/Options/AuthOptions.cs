using System.ComponentModel.DataAnnotations;
using System.Text;

namespace Chat.Host.Options;

/// The `Auth` section: which rooms need a token, and how a token is checked. With no `Protected` pattern every room
/// is open, as the seed protocol has it.
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";

    /// The HS256 key, at least 32 bytes of UTF-8 (a shorter one is guessable).
    public string? SigningKey { get; set; }

    /// A PEM file with the RSA or EC public key of tokens issued elsewhere (RS256, ES256).
    public string? PublicKeyPath { get; set; }

    /// When set, a token must name this issuer (`iss`) / this audience (`aud`).
    public string? Issuer { get; set; }
    public string? Audience { get; set; }

    /// How far past its `exp` a token is still taken (clocks of issuer and node differ a little).
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// Room-name patterns that need a token to read and to post; `*` matches any run of characters (`team-*`).
    public string[] Protected { get; set; } = [];

    public bool Enabled => Protected.Length > 0;

    /// Tokens can be checked: moderation (the `moderate` grant) needs it, in open rooms too.
    public bool CanCheckTokens => SigningKey is not null || PublicKeyPath is not null;

    public IEnumerable<ValidationResult> Validate(ValidationContext context)
    {
        if (SigningKey is not null && Encoding.UTF8.GetByteCount(SigningKey) < 32)
            yield return new($"{Section}:{nameof(SigningKey)}: at least 32 bytes are needed for HS256", [nameof(SigningKey)]);
        if (SigningKey is not null && PublicKeyPath is not null)
            yield return new($"{Section}:{nameof(SigningKey)} and {Section}:{nameof(PublicKeyPath)}: set one of the two", [nameof(SigningKey)]);
        if (PublicKeyPath is not null && !File.Exists(PublicKeyPath))
            yield return new($"{Section}:{nameof(PublicKeyPath)}: no file at '{PublicKeyPath}'", [nameof(PublicKeyPath)]);
        if (Enabled && SigningKey is null && PublicKeyPath is null)
            yield return new($"{Section}:{nameof(Protected)}: protected rooms need {Section}:{nameof(SigningKey)} or {Section}:{nameof(PublicKeyPath)}", [nameof(Protected)]);
        foreach (var pattern in Protected.Where(p => !Auth.RoomPattern.IsValid(p)))
            yield return new($"{Section}:{nameof(Protected)}: '{pattern}' is not a room pattern (room-name characters and *)", [nameof(Protected)]);
    }
}
