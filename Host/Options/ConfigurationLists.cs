namespace Chat.Host.Options;

/// A list setting, bound from its children (`Proxy:KnownProxies:0=...`, JSON arrays) or from one comma-separated
/// value (`Proxy__KnownProxies=10.0.0.7,10.0.0.8`), which the binder alone would silently ignore.
public static class ConfigurationLists
{
    public static string[] Read(IConfiguration section, string name) =>
        section.GetSection(name) is var list && list.GetChildren().Any()
            ? [.. list.GetChildren().Select(c => c.Value ?? "")]
            : list.Value?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
