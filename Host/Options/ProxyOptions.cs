using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Chat.Host.Options;

/// The `Proxy` section: which peers may say who the client is. A request from a trusted proxy is taken to come
/// from the address it forwards (`X-Forwarded-For`, with `-Proto` and `-Host`); from anyone else, from its TCP peer.
/// Empty lists trust loopback only, so a client that reaches a node directly cannot choose its identity.
public sealed class ProxyOptions : IValidatableObject
{
    public const string Section = "Proxy";

    /// Addresses of trusted proxies, e.g. `10.0.0.7`. Setting either list replaces the loopback default.
    public string[] KnownProxies { get; set; } = [];

    /// Networks of trusted proxies in CIDR notation, e.g. `10.0.0.0/8`.
    public string[] KnownNetworks { get; set; } = [];

    /// How many proxies' entries of `X-Forwarded-For` to believe, from the right (one per trusted hop).
    [Range(1, 64)]
    public int ForwardLimit { get; set; } = 1;

    public IEnumerable<IPAddress> Proxies => KnownProxies.Select(p => IPAddress.Parse(p.Trim()));

    public IEnumerable<IPNetwork> Networks => KnownNetworks.Select(n => IPNetwork.Parse(n.Trim()));

    public IEnumerable<ValidationResult> Validate(ValidationContext context) =>
        KnownProxies.Where(p => !IPAddress.TryParse(p.Trim(), out _))
            .Select(p => new ValidationResult($"{Section}:{nameof(KnownProxies)}: '{p}' is not an IP address", [nameof(KnownProxies)]))
            .Concat(KnownNetworks.Where(n => !IPNetwork.TryParse(n.Trim(), out _))
                .Select(n => new ValidationResult($"{Section}:{nameof(KnownNetworks)}: '{n}' is not a network in CIDR notation (e.g. 10.0.0.0/8)", [nameof(KnownNetworks)])));
}
