using System.Diagnostics;
using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace Chat.Specs.Browser;

/// The page in wwwroot against the real Host: each spec starts its own Host with a fresh SQLite file.
[Collection(BrowserCollection.Name)]
public sealed partial class ChatPageSpecs(BrowserFixture browser) : IAsyncLifetime
{
    HostProcess host = null!;
    readonly List<ChatPage> pages = [];

    public async Task InitializeAsync() => host = await HostProcess.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var page in pages) await page.DisposeAsync();
        if (host is not null) await host.DisposeAsync();  // null if it never started
    }

    async Task<ChatPage> OpenAsync(string room, int width = 1024, int height = 720)
    {
        var page = await ChatPage.OpenAsync(browser.Browser, host, room, width, height);
        pages.Add(page);
        return page;
    }

    [Fact]
    public async Task Two_pages_in_one_room_see_each_others_messages()
    {
        var ann = await OpenAsync("duo");
        var bob = await OpenAsync("duo");

        await ann.SendAsync("hello from Ann");
        await bob.ShouldShowAsync("hello from Ann");
        await bob.SendAsync("hi Ann, Bob here");

        await ann.ShouldShowAsync("hello from Ann", "hi Ann, Bob here");
        await bob.ShouldShowAsync("hello from Ann", "hi Ann, Bob here");
        Assert.Equal([0, 1], (IEnumerable<int>)await ann.IndicesAsync());
        await ann.ScreenshotAsync(this, ".ann");
        await bob.ScreenshotAsync(this, ".bob");
        ann.ShouldHaveLoggedNoErrors();
        bob.ShouldHaveLoggedNoErrors();
    }

    [Fact]
    public async Task Markup_in_a_message_is_shown_as_literal_text_and_never_runs()
    {
        var page = await OpenAsync("xss");
        const string img = "<img src=x onerror=\"window.__pwned = 'img'\">";
        const string script = "<script>window.__pwned = 'script'</script>";
        const string lines = "first line\n  indented second line — ünïcödé ✓ 🎉 مرحبا";
        const string link = "see https://example.com/ <b>bold?</b>";

        await page.SendAsync(img);
        await page.ShouldShowAsync(img);  // stored before the next post, so the order is known
        await host.PostAsync("xss", script);
        await host.PostAsync("xss", lines);
        await host.PostAsync("xss", link);

        await page.ShouldShowAsync(img, script, lines, link);
        Assert.Equal(lines, await page.Texts.Nth(2).InnerTextAsync());  // line breaks and spaces kept
        Assert.Equal(0, await page.Page.Locator("#messages img, #messages script, #messages a, #messages b").CountAsync());
        Assert.Null(await page.Page.EvaluateAsync<string?>("() => window.__pwned ?? null"));
        await page.ScreenshotAsync(this);
        page.ShouldHaveLoggedNoErrors();
    }

    [Fact]
    public async Task After_a_server_restart_the_page_catches_up_with_nothing_lost_or_doubled()
    {
        var page = await OpenAsync("restart");
        await host.PostAsync("restart", "before 1");
        await page.SendAsync("before 2");
        await page.ShouldShowAsync("before 1", "before 2");

        var failedBefore = page.FailedRequests;
        var away = Stopwatch.StartNew();
        await host.KillAsync();
        await page.ShouldBeAwayAsync();
        await page.ScreenshotAsync(this, ".away");
        await host.StartAgainAsync();
        ShouldHaveBackedOff(page.FailedRequests - failedBefore, away.Elapsed);
        await host.PostAsync("restart", "after restart");  // possibly before the page is back: it must catch up

        await page.ShouldShowAsync("before 1", "before 2", "after restart");
        await page.ShouldBeLiveAsync();
        await page.SendAsync("typed after restart");
        await page.ShouldShowAsync("before 1", "before 2", "after restart", "typed after restart");
        Assert.Equal([0, 1, 2, 3], (IEnumerable<int>)await page.IndicesAsync());
        Assert.Equal(4, await host.NextAsync("restart"));
        await page.ScreenshotAsync(this);
        // While the server was down the browser logs the refused requests; nothing else may be logged.
        page.ShouldHaveLoggedNoErrors(RefusedWhileDown());
    }

    [Fact]
    public async Task Switching_rooms_shows_that_rooms_history_and_Back_returns()
    {
        await host.PostAsync("red", "red one");
        await host.PostAsync("red", "red two");
        await host.PostAsync("blue", "blue one");
        var page = await OpenAsync("red");
        await page.ShouldShowAsync("red one", "red two");

        await page.Page.Locator("#room-input").FillAsync("blue");
        await page.Page.Locator("#room-input").PressAsync("Enter");
        await page.ShouldShowAsync("blue one");
        Assert.EndsWith("#room=blue", page.Page.Url);
        await Expect(page.Page.Locator("#room-title")).ToHaveTextAsync("#blue");
        await page.ShouldBeLiveAsync();
        await page.SendAsync("blue two");
        await page.ShouldShowAsync("blue one", "blue two");
        await page.ScreenshotAsync(this, ".blue");

        await page.Page.GoBackAsync();
        await page.ShouldShowAsync("red one", "red two");
        await host.PostAsync("red", "red three");
        await page.ShouldShowAsync("red one", "red two", "red three");
        Assert.Equal(2, await host.NextAsync("blue"));
        await page.ScreenshotAsync(this, ".red");
        page.ShouldHaveLoggedNoErrors();
    }

    [Fact]
    public async Task Opening_a_room_shows_its_last_50_messages_then_follows_live()
    {
        for (var i = 0; i < 60; i++) await host.PostAsync("busy", $"message {i}");
        var page = await OpenAsync("busy");

        await page.ShouldShowAsync(Enumerable.Range(10, 50).Select(i => $"message {i}").ToArray());
        await Expect(page.Page.Locator("#messages")).Not.ToHaveAttributeAsync("aria-busy", "true");  // history read, now live
        await host.PostAsync("busy", "message 60");
        await Expect(page.Texts.Last).ToHaveTextAsync("message 60");
        Assert.Equal(Enumerable.Range(10, 51), await page.IndicesAsync());
        await Expect(page.Texts.Last).ToBeInViewportAsync();  // the newest is visible
        await page.ScreenshotAsync(this);
        page.ShouldHaveLoggedNoErrors();
    }

    [Fact]
    public async Task A_reader_scrolled_up_in_history_stays_put_when_messages_arrive()
    {
        for (var i = 0; i < 30; i++) await host.PostAsync("reading", $"old {i}");
        var page = await OpenAsync("reading", height: 500);
        await Expect(page.Texts.Last).ToHaveTextAsync("old 29");
        await page.Page.Locator("#messages").EvaluateAsync("list => list.scrollTop = 0");

        await host.PostAsync("reading", "new while reading");
        await Expect(page.Texts.Last).ToHaveTextAsync("new while reading");
        Assert.Equal(0, await page.Page.Locator("#messages").EvaluateAsync<double>("list => list.scrollTop"));
        await Expect(page.Texts.First).ToBeInViewportAsync();
        var jump = page.Page.Locator("#jump");
        await Expect(jump).ToBeVisibleAsync();
        await page.ScreenshotAsync(this, ".reading");

        await jump.ClickAsync();
        await Expect(page.Texts.Last).ToBeInViewportAsync();
        await Expect(jump).ToBeHiddenAsync();
        await Expect(page.Field).ToBeFocusedAsync();
        page.ShouldHaveLoggedNoErrors();
    }

    [Fact]
    public async Task Keyboard_alone_sends_and_blank_messages_are_not_sent()
    {
        var page = await OpenAsync("keys");
        for (var tabs = 0; tabs < 8 && !await page.Field.EvaluateAsync<bool>("f => f === document.activeElement"); tabs++)
            await page.Page.Keyboard.PressAsync("Tab");
        await Expect(page.Field).ToBeFocusedAsync();

        await page.Page.Keyboard.TypeAsync("   ");
        await page.Page.Keyboard.PressAsync("Enter");
        await page.Page.Keyboard.PressAsync("Control+A");
        await page.Page.Keyboard.TypeAsync("two");
        await page.Page.Keyboard.PressAsync("Shift+Enter");
        await page.Page.Keyboard.TypeAsync("lines");
        await page.Page.Keyboard.PressAsync("Enter");

        await page.ShouldShowAsync("two\nlines");
        await Expect(page.Field).ToHaveValueAsync("");
        Assert.Equal(1, await host.NextAsync("keys"));  // the blank one never left the page
        await page.ScreenshotAsync(this);
        page.ShouldHaveLoggedNoErrors();
    }

    [Fact]
    public async Task The_page_fits_a_375_px_phone_without_sideways_scrolling()
    {
        await host.PostAsync("phone", "a-very-long-word-without-any-spaces-that-must-wrap-instead-of-widening-the-page-0123456789");
        var page = await OpenAsync("phone", width: 375, height: 700);

        await page.ShouldShowAsync("a-very-long-word-without-any-spaces-that-must-wrap-instead-of-widening-the-page-0123456789");
        await page.ScreenshotAsync(this);
        Assert.Equal(375, await page.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth"));
        await Expect(page.Field).ToBeInViewportAsync();
        await Expect(page.Status).ToBeInViewportAsync();
        page.ShouldHaveLoggedNoErrors();
    }

    /// Backoff from 250 ms doubling, with half of each delay random: try n comes at least
    /// 125 ms × (2ⁿ⁻¹ − 1) after the first, then at least every 5 s once the 10 s cap is reached.
    /// A page that spins instead would fail hundreds of requests in the same time.
    static void ShouldHaveBackedOff(int failed, TimeSpan away)
    {
        var bound = Math.Log2(away.TotalMilliseconds / 125 + 1) + 2 + away.TotalSeconds / 5;
        Assert.InRange(failed, 1, (int)bound);
    }

    [GeneratedRegex(@"^Failed to load resource: net::ERR_")]
    private static partial Regex RefusedWhileDown();
}
