using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Chat.Specs.Browser;

/// The chat page in its own browser context (fresh storage), with what it logged as errors.
public sealed partial class ChatPage : IAsyncDisposable
{
    public const float Wait = 15_000;  // ms: the bound of every wait on the page

    readonly IBrowserContext context;
    readonly bool ownsContext;
    readonly List<string> errors = [];

    ChatPage(IBrowserContext context, IPage page, bool ownsContext = true)
    {
        this.context = context;
        this.ownsContext = ownsContext;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error") lock (errors) errors.Add($"{message.Text} [{message.Location}]");
        };
        page.PageError += (_, error) => { lock (errors) errors.Add($"uncaught: {error}"); };
        page.RequestFailed += (_, _) => Interlocked.Increment(ref failedRequests);
        page.Request += (_, _) => Interlocked.Increment(ref requests);
    }

    int failedRequests, requests;

    /// Requests the page has made so far.
    public int Requests => Volatile.Read(ref requests);

    /// Requests that got no answer at all (refused, reset): how often the page tried while the server was away.
    public int FailedRequests => Volatile.Read(ref failedRequests);

    public IPage Page { get; }
    public ILocator Texts => Page.Locator("#messages li .text");
    public ILocator Items => Page.Locator("#messages li");
    public ILocator Status => Page.Locator("#status");
    public ILocator Field => Page.Locator("#message");
    public ILocator Authors => Page.Locator("#messages li .author");
    public ILocator Here => Page.Locator("#here");

    /// Types a name into the name field and sets it, as a person would.
    public async Task SetNameAsync(string name)
    {
        await Page.Locator("#name-input").FillAsync(name);
        await Page.Locator("#name-input").PressAsync("Enter");
    }

    /// Opens `/#room=` <paramref name="room"/> (which may carry more of the fragment, e.g. `team-a&token=...`), and waits
    /// until the page is live unless <paramref name="waitLive"/> is false.
    /// <paramref name="permissions"/> are granted to the page (e.g. `notifications`); <paramref name="initScript"/> runs
    /// before the page's own scripts.
    public static async Task<ChatPage> OpenAsync(IBrowser browser, HostProcess host, string room, int width = 1024, int height = 720, bool waitLive = true,
        string[]? permissions = null, string? initScript = null)
    {
        var context = await browser.NewContextAsync(new()
        {
            BaseURL = host.BaseAddress.ToString(),
            ViewportSize = new() { Width = width, Height = height },
            Permissions = permissions,
        });
        if (initScript is not null) await context.AddInitScriptAsync(initScript);
        context.SetDefaultTimeout(Wait);
        var page = new ChatPage(context, await context.NewPageAsync());
        await page.Page.GotoAsync($"/#room={room}");
        if (waitLive) await page.ShouldBeLiveAsync();
        return page;
    }

    /// Another tab of the same browser (its context: the same storage, Web Locks and BroadcastChannels) on `room`;
    /// disposing it closes that tab alone.
    public async Task<ChatPage> OpenTabAsync(string room, bool waitLive = true)
    {
        var tab = new ChatPage(context, await context.NewPageAsync(), ownsContext: false);
        await tab.Page.GotoAsync($"/#room={room}");
        if (waitLive) await tab.ShouldBeLiveAsync();
        return tab;
    }

    /// Types into the message field and presses Enter, as a person would.
    public async Task SendAsync(string text)
    {
        await Field.FillAsync(text);
        await Field.PressAsync("Enter");
        await Expect(Field).ToHaveValueAsync("", new() { Timeout = Wait });
    }

    public Task ShouldShowAsync(params string[] texts) =>
        Expect(Texts).ToHaveTextAsync(texts, new() { Timeout = Wait, UseInnerText = false });

    public Task ShouldBeLiveAsync() =>
        Expect(Status).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Wait });

    public Task ShouldBeAwayAsync() =>
        Expect(Status).ToHaveAttributeAsync("data-state", AwayState(), new() { Timeout = Wait });

    public async Task<int[]> IndicesAsync() =>
        (await Page.Locator("#messages li[data-index]").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.index)")).Select(int.Parse).ToArray();

    /// No console error and no uncaught exception, less those listed as expected
    /// (e.g. refused connections while the server is down).
    public void ShouldHaveLoggedNoErrors(Regex? expected = null)
    {
        List<string> unexpected;
        lock (errors) unexpected = errors.Where(e => expected is null || !expected.IsMatch(e)).ToList();
        Assert.True(unexpected.Count == 0, "The page logged:\n" + string.Join("\n", unexpected));
    }

    /// Saves a screenshot under the test output folder: screenshots/{Class}.{Test}{suffix}.png.
    public async Task<string> ScreenshotAsync(object spec, string suffix = "", [CallerMemberName] string test = "")
    {
        var path = Path.Combine(AppContext.BaseDirectory, "screenshots", $"{spec.GetType().Name}.{test}{suffix}.png");
        await Page.ScreenshotAsync(new() { Path = path });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        if (ownsContext) await context.DisposeAsync();
        else if (!Page.IsClosed) await Page.CloseAsync();
    }

    [GeneratedRegex("^(reconnecting|offline)$")]
    private static partial Regex AwayState();
}
