using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Chat.Specs.Http.Support;

/// Tokens as an issuer makes them: a `chat` claim `{ "read": [...], "post": [...], "moderate": [...] }`, a `name`, an `exp`.
public static class Tokens
{
    public const string Key = "a signing key of at least thirty-two bytes, for specs";

    public static string Make(string[] read, string[] post, string? name = "Ann", TimeSpan? lifetime = null, string key = Key,
        SigningCredentials? credentials = null, string? sub = null, string[]? moderate = null)
    {
        var expires = DateTime.UtcNow + (lifetime ?? TimeSpan.FromHours(1));
        var chat = new Dictionary<string, object> { ["read"] = read, ["post"] = post };
        if (moderate is not null) chat["moderate"] = moderate;
        var claims = new Dictionary<string, object> { ["chat"] = chat };
        if (name is not null) claims["name"] = name;
        if (sub is not null) claims["sub"] = sub;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            NotBefore = expires - TimeSpan.FromHours(2),
            IssuedAt = expires - TimeSpan.FromHours(2),
            Expires = expires,
            SigningCredentials = credentials ?? new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });
    }

    /// A moderator's token: it may remove messages in the rooms <paramref name="rooms"/> names, and nothing else.
    public static string Moderator(string[] rooms, string? name = "Mod") => Make([], [], name, moderate: rooms);

    public static SigningCredentials Rsa(RSA rsa) => new(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256);

    public static HttpRequestMessage With(this HttpRequestMessage request, string? token)
    {
        if (token is not null) request.Headers.Authorization = new("Bearer", token);
        return request;
    }
}
