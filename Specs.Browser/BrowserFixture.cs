using Microsoft.Playwright;

namespace Chat.Specs.Browser;

/// One Chromium for all browser specs: Debian's /usr/bin/chromium, launched as ../shared/STACK.md says
/// (no `playwright install`; the machine cannot download browsers).
public sealed class BrowserFixture : IAsyncLifetime
{
    const string Chromium = "/usr/bin/chromium";

    IPlaywright? playwright;
    IBrowser? browser;

    public IBrowser Browser => browser ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
            throw new InvalidOperationException(
                $"{Chromium} is missing: apt-get update && apt-get install -y --no-install-recommends chromium");
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        if (browser is not null) await browser.DisposeAsync();
        playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
