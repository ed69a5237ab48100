using Chat.Host.Options;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Chat.Host.Endpoints;

/// Who the client is: ASP.NET Core's forwarded-headers middleware, first in the pipeline, replaces the TCP peer with
/// the address a trusted proxy forwards, so every per-client limit (held polls, post rate) and log line that reads
/// `Connection.RemoteIpAddress` is about a person behind the proxy, not about the proxy.
public static class ClientAddress
{
    public static IServiceCollection AddClientAddress(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(ProxyOptions.Section);
        services.AddOptions<ProxyOptions>().Bind(section).Configure(o =>
        {
            o.KnownProxies = ConfigurationLists.Read(section, nameof(ProxyOptions.KnownProxies));
            o.KnownNetworks = ConfigurationLists.Read(section, nameof(ProxyOptions.KnownNetworks));
        }).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ProxyOptions>>((forwarded, options) =>
        {
            var proxy = options.Value;
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            forwarded.ForwardLimit = proxy.ForwardLimit;
            if (proxy.KnownProxies.Length + proxy.KnownNetworks.Length == 0) return; // the middleware's default: loopback
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var address in proxy.Proxies) forwarded.KnownProxies.Add(address);
            foreach (var network in proxy.Networks) forwarded.KnownIPNetworks.Add(network);
        });
        return services;
    }
}
