using Chat.Host.Options;

namespace Chat.Host.Endpoints;

/// `Cors:Origins`: the origins whose pages may import `/feed.js` and follow and post from another origin (a site that
/// embeds a room). None by default: a page of the service's own origin needs no CORS, and a list says exactly who else.
public static class CrossOrigin
{
    public const string Section = "Cors";

    public static string[] Origins(IConfiguration configuration) => ConfigurationLists.Read(configuration.GetSection(Section), "Origins");

    public static IServiceCollection AddCrossOrigin(this IServiceCollection services, IConfiguration configuration)
    {
        var origins = Origins(configuration);
        if (origins.Length == 0) return services;
        return services.AddCors(cors => cors.AddDefaultPolicy(policy => policy.WithOrigins(origins)
            .WithMethods("GET", "HEAD", "POST")
            .WithHeaders("Authorization", "Idempotency-Key", "Chat-Client", "Last-Event-ID")
            .WithExposedHeaders("Location", "Retry-After", "ETag")));
    }

    /// Before the static files, so that the module itself (`/feed.js`) may be imported from those origins.
    public static IApplicationBuilder UseCrossOrigin(this WebApplication app) =>
        Origins(app.Configuration).Length == 0 ? app : app.UseCors();
}
