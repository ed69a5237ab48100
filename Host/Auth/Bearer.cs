using System.Security.Cryptography;
using System.Text;
using Chat.Host.Options;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Chat.Host.Auth;

/// ASP.NET Core's JWT bearer handler, set from the `Auth` section. No middleware runs it for every request: only a
/// request for a protected room or a moderator's asks it (<see cref="Access"/>), so open rooms pay nothing. With no key
/// to check tokens with, nothing of authentication is registered at all.
public static class Bearer
{
    public static IServiceCollection AddRoomAccess(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(AuthOptions.Section);
        services.AddOptions<AuthOptions>().Bind(section)
            .Configure(o => o.Protected = ConfigurationLists.Read(section, nameof(AuthOptions.Protected)))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Access>();
        if (section[nameof(AuthOptions.SigningKey)] is null && section[nameof(AuthOptions.PublicKeyPath)] is null) return services;
        services.AddAuthentication().AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<AuthOptions>>((bearer, auth) =>
        {
            var o = auth.Value;
            bearer.MapInboundClaims = false; // `name`, `sub`, `chat` as the token says them
            bearer.TokenValidationParameters = new TokenValidationParameters
            {
                IssuerSigningKey = Key(o),
                ValidAlgorithms = o.SigningKey is not null ? [SecurityAlgorithms.HmacSha256] : [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256],
                ValidateIssuer = o.Issuer is not null,
                ValidIssuer = o.Issuer,
                ValidateAudience = o.Audience is not null,
                ValidAudience = o.Audience,
                ValidateLifetime = true,
                RequireExpirationTime = true,
                ClockSkew = o.ClockSkew,
            };
            // EventSource cannot set headers: a read may carry its token as `access_token` (never written to a log).
            bearer.Events = new JwtBearerEvents
            {
                OnMessageReceived = context =>
                {
                    context.Token = RawToken(context.Request);
                    return Task.CompletedTask;
                },
            };
        });
        return services;
    }

    /// The request's token: a read's `access_token`, else `Authorization: Bearer`'s (what the handler checks, and what
    /// Access keeps a checked grant under).
    public static string? RawToken(HttpRequest request)
    {
        if ((HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && request.QueryString.HasValue
            && request.Query["access_token"] is { Count: > 0 } query && query[0] is { Length: > 0 } fromQuery) return fromQuery;
        var header = request.Headers.Authorization;
        return FromAuthorization(header.Count > 0 ? header[0] : null);
    }

    /// `Authorization: Bearer`'s token.
    public static string? FromAuthorization(string? value) =>
        value is not null && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? value["Bearer ".Length..].Trim() : null;

    /// WebApplication adds the authentication middleware to a pipeline whose services include authentication unless
    /// told it is placed: it would open a service scope and run the bearer handler for every request, open rooms too.
    public static void WithoutAuthenticationMiddleware(this IApplicationBuilder app) => app.Properties["__AuthenticationMiddlewareSet"] = true;

    private static SecurityKey? Key(AuthOptions o)
    {
        if (o.SigningKey is not null) return new SymmetricSecurityKey(Encoding.UTF8.GetBytes(o.SigningKey));
        if (o.PublicKeyPath is null) return null;
        var pem = File.ReadAllText(o.PublicKeyPath);
        try
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return new RsaSecurityKey(rsa);
        }
        catch (ArgumentException)
        {
            var ec = ECDsa.Create();
            ec.ImportFromPem(pem);
            return new ECDsaSecurityKey(ec);
        }
    }
}
