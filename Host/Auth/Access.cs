using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Json;
using Chat.Core;
using Chat.Core.Values;
using Chat.Host.Options;
using LanguageExt;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Chat.Host.Auth;

public enum Act { Read, Post, Moderate }

/// What a valid token lets its holder do: the room patterns it may read, post to and moderate (its `chat` claim, an
/// object `{ "read": [...], "post": [...], "moderate": [...] }`), the name it acts under (`name`, else `sub`), and when
/// it ends (`exp`).
public sealed record Grant(IReadOnlyList<string> Read, IReadOnlyList<string> Post, string? Name, DateTimeOffset? Expires)
{
    public IReadOnlyList<string> Moderate { get; init; } = [];

    public bool Allows(Act act, RoomName room) => RoomPattern.AnyMatches(act switch { Act.Read => Read, Act.Post => Post, _ => Moderate }, room);

    public static Grant Of(ClaimsPrincipal holder)
    {
        string[] read = [], post = [], moderate = [];
        if (holder.FindFirst("chat")?.Value is { } chat)
        {
            try
            {
                using var claim = JsonDocument.Parse(chat);
                if (claim.RootElement.ValueKind == JsonValueKind.Object)
                    (read, post, moderate) = (Patterns(claim.RootElement, "read"), Patterns(claim.RootElement, "post"), Patterns(claim.RootElement, "moderate"));
            }
            catch (JsonException) { } // not an object: the token grants nothing
        }
        var exp = holder.FindFirst("exp")?.Value is { } e && long.TryParse(e, out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : (DateTimeOffset?)null;
        return new(read, post, holder.FindFirst("name")?.Value ?? holder.FindFirst("sub")?.Value, exp) { Moderate = moderate };
    }

    private static string[] Patterns(JsonElement claim, string act) =>
        claim.TryGetProperty(act, out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.String).Select(p => p.GetString()!)]
            : [];
}

/// Who may read and post in a room. Rooms that match no `Auth:Protected` pattern are open and cost nothing here; in
/// a protected room a request carries a signed token (ASP.NET Core's JWT bearer handler checks it: signature, expiry,
/// issuer, audience; no I/O), and the token's grant must cover the room and the act. Checked when a request arrives:
/// a poll held with a valid token is answered even if the token expires while it waits.
public sealed class Access(IOptions<AuthOptions> options, TimeProvider clock, IOptionsMonitor<JwtBearerOptions> bearer, ILogger<Access> log)
{
    private readonly AuthOptions _options = options.Value;

    /// Tokens already checked, by their text: a follower sends the same token with every poll, and the check
    /// (signature, claims) is the costliest step of a poll; kept until its `exp`.
    private readonly ConcurrentDictionary<string, Grant> _checked = new(StringComparer.Ordinal);
    private const int MostChecked = 10_000;

    /// When a token stops being taken: its `exp`, and the clock skew allowed past it (what the bearer handler allows).
    public DateTimeOffset? EndsAt(Grant grant) => grant.Expires + _options.ClockSkew;

    public bool IsProtected(RoomName room) => _options.Enabled && RoomPattern.AnyMatches(_options.Protected, room);

    /// The grant, if the request's token covers <paramref name="act"/> in <paramref name="room"/>; else 401 (no token,
    /// or one that is malformed, expired or wrongly signed) or 403 (a valid token that does not cover it).
    public ValueTask<Either<Rejection, Grant>> CheckAsync(HttpContext http, RoomName room, Act act) => CheckAsync(Bearer.RawToken(http.Request), room, act);

    /// The same for a token as the request carried it (<see cref="Bearer.RawToken"/>): on either path. A ValueTask:
    /// a protected room's every poll runs this, and a token checked before needs no Task.
    public async ValueTask<Either<Rejection, Grant>> CheckAsync(string? raw, RoomName room, Act act)
    {
        if (act == Act.Moderate && !_options.CanCheckTokens)
            return new Rejection.Forbidden("Nobody may moderate: no Auth:SigningKey or Auth:PublicKeyPath is set to check tokens with.");
        var token = await TokenAsync(raw);
        if (token.IsLeft) return (Rejection)token;
        var grant = (Grant)token;
        return grant.Allows(act, room) ? grant
            : new Rejection.Forbidden($"This token may not {act switch { Act.Read => "read", Act.Post => "post to", _ => "moderate" }} the room '{room}'.");
    }

    /// A token that may moderate some room (which ones: <see cref="Grant.Moderate"/>); else 401, or 403.
    public async Task<Either<Rejection, Grant>> ModeratorAsync(HttpContext http)
    {
        if (!_options.CanCheckTokens)
            return new Rejection.Forbidden("Nobody may moderate: no Auth:SigningKey or Auth:PublicKeyPath is set to check tokens with.");
        var token = await TokenAsync(Bearer.RawToken(http.Request));
        if (token.IsLeft) return (Rejection)token;
        return ((Grant)token).Moderate.Count > 0 ? token : new Rejection.Forbidden("This token may moderate no room.");
    }

    /// The request's token: none (a rejection saying so), invalid (another), or its grant: one checked before and not
    /// expired since, else what the bearer handler's own token handlers and settings make of it (the handler itself
    /// needs an HttpContext; it reads the same token, and here no service scope is opened). A grant is then kept for
    /// the token's next use.
    private async ValueTask<Either<Rejection, Grant>> TokenAsync(string? raw)
    {
        if (string.IsNullOrEmpty(raw))
            return new Rejection.Unauthenticated("This room needs a bearer token (Authorization: Bearer, or access_token= on reads).", InvalidToken: false);
        if (Known(raw) is { } known) return known;
        var settings = bearer.Get(JwtBearerDefaults.AuthenticationScheme);
        Exception? failure = null;
        foreach (var handler in settings.TokenHandlers)
        {
            var result = await handler.ValidateTokenAsync(raw, settings.TokenValidationParameters);
            if (!result.IsValid)
            {
                failure = result.Exception;
                continue;
            }
            var grant = Grant.Of(new ClaimsPrincipal(result.ClaimsIdentity));
            if (_checked.Count >= MostChecked) _checked.Clear(); // bounded: the busy tokens come back at their next poll
            _checked[raw] = grant;
            return grant;
        }
        Observability.Log.TokenRefused(log, Why(failure)); // never the token itself
        return new Rejection.Unauthenticated(Why(failure), InvalidToken: true);
    }

    /// The grant of a token checked before and not expired since.
    private Grant? Known(string? raw) => raw is not null && _checked.TryGetValue(raw, out var known) && EndsAt(known) > clock.GetUtcNow() ? known : null;

    private static string Why(Exception? failure) => failure switch
    {
        SecurityTokenExpiredException => "The token has expired.",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "The token's signature is not valid.",
        SecurityTokenInvalidIssuerException => "The token's issuer is not accepted.",
        SecurityTokenInvalidAudienceException => "The token's audience is not accepted.",
        _ => "The token is not valid.",
    };

    /// The rooms of <paramref name="rooms"/> the request may see: open ones, and protected ones its token may read.
    public async Task<Either<Rejection, Func<RoomName, bool>>> VisibleAsync(HttpContext http)
    {
        if (!_options.Enabled) return (Func<RoomName, bool>)(_ => true);
        Grant? grant = null;
        if (Bearer.RawToken(http.Request) is not null || http.Request.Headers.Authorization.Count > 0)
        {
            var token = await TokenAsync(Bearer.RawToken(http.Request));
            if (token.IsLeft) return (Rejection)token;
            grant = (Grant)token;
        }
        return (Func<RoomName, bool>)(room => !IsProtected(room) || grant?.Allows(Act.Read, room) == true);
    }
}
