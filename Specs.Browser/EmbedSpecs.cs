using System.Net;
using System.Text;
using Chat.Specs.Http.Support;
using Microsoft.Playwright;

namespace Chat.Specs.Browser;

/// A page on another origin embeds the service: it imports `/feed.js` from the service and follows several rooms
/// and posts, when the service lists its origin in `Cors:Origins`; without that the browser refuses it.
[Collection(BrowserCollection.Name)]
public sealed class EmbedSpecs(BrowserFixture browser) : IAsyncLifetime
{
    HostProcess? host;
    IBrowserContext? context;
    readonly HttpListener site = new();
    string html = "";

    /// The other site: a real server on another loopback port (another origin in the same address space, so the
    /// browser's private-network rules, which a routed fake origin would trip, do not apply).
    readonly string embedder = $"http://127.0.0.1:{FreePort.Take()}";

    async Task ServeAsync()
    {
        while (site.IsListening)
        {
            HttpListenerContext request;
            try { request = await site.GetContextAsync(); } catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
            var body = Encoding.UTF8.GetBytes(html);
            request.Response.ContentType = "text/html; charset=utf-8";
            await request.Response.OutputStream.WriteAsync(body);
            request.Response.Close();
        }
    }

    public Task InitializeAsync()
    {
        site.Prefixes.Add($"{embedder}/");
        site.Start();
        _ = ServeAsync();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        site.Close();
        if (context is not null) await context.DisposeAsync();
        if (host is not null) await host.DisposeAsync();
    }

    /// The other site's page: it loads the module from the service and follows two rooms with it.
    async Task<IPage> OpenEmbedderAsync(HostProcess service)
    {
        context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        html = $$"""
            <!doctype html><meta charset="utf-8"><title>embedder</title>
            <script type="module">
              window.got = [];
              import('{{service.BaseAddress}}feed.js').then(feed => {
                window.post = (room, text) => feed.send(room, text);
                feed.followMany(['lobby', 'dev'], {
                  messages: (room, batch) => batch.forEach(m => window.got.push(`${room}:${m.index}:${m.text}`)),
                  state: s => { window.state = s; },
                }, new AbortController().signal);
              }, error => { window.failed = String(error); });
            </script>
            """;
        await page.GotoAsync($"{embedder}/");
        return page;
    }

    [Fact]
    public async Task With_its_origin_in_Cors_Origins_a_page_elsewhere_follows_several_rooms_and_posts()
    {
        host = await HostProcess.StartAsync($"--Cors:Origins={embedder}");
        var page = await OpenEmbedderAsync(host);
        await page.WaitForFunctionAsync("() => window.state === 'live'");

        await host.PostAsync("dev", "hello dev");
        await host.PostAsync("lobby", "hello lobby");
        await page.WaitForFunctionAsync("() => window.got.length === 2");
        Assert.Equal(["dev:0:hello dev", "lobby:0:hello lobby"], (await page.EvaluateAsync<string[]>("() => window.got")).Order());

        Assert.Equal(1, await page.EvaluateAsync<int>("() => window.post('lobby', 'from elsewhere')"));
        await page.WaitForFunctionAsync("() => window.got.includes('lobby:1:from elsewhere')");
    }

    [Fact]
    public async Task Without_it_the_browser_refuses_the_page_the_module()
    {
        host = await HostProcess.StartAsync();
        var page = await OpenEmbedderAsync(host);
        await page.WaitForFunctionAsync("() => window.failed !== undefined");
        Assert.Null(await page.EvaluateAsync<string?>("() => window.state ?? null"));
    }
}
