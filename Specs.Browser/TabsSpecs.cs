using System.Diagnostics;
using static Microsoft.Playwright.Assertions;

namespace Chat.Specs.Browser;

/// The tabs of one browser share one long poll: a browser opens at most six HTTP/1.1 connections to a host, and a
/// held poll per tab took them all, so a seventh request (a post) waited for some poll to time out.
[Collection(BrowserCollection.Name)]
public sealed class TabsSpecs(BrowserFixture browser) : IAsyncLifetime
{
    HostProcess host = null!;
    readonly List<ChatPage> tabs = [];

    public async Task InitializeAsync() => host = await HostProcess.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var tab in Enumerable.Reverse(tabs)) await tab.DisposeAsync(); // the first owns the browser context
        if (host is not null) await host.DisposeAsync();
    }

    [Fact]
    public async Task Eight_tabs_on_one_room_hold_one_poll_and_a_message_shows_in_the_first_and_the_eighth_within_a_second()
    {
        var first = await ChatPage.OpenAsync(browser.Browser, host, "tabs");
        tabs.Add(first);
        for (var i = 1; i < 8; i++) tabs.Add(await first.OpenTabAsync("tabs"));
        await UntilHeldAsync("tabs", 1);
        // The first message through a fresh Host compiles its path (seconds, beside the other specs on two cores): not
        // what this measures.
        await first.SendAsync("warm-up");
        await tabs[7].ShouldShowAsync("warm-up");

        // When each page shows it, by the page's own clock: a tab in the background runs its timers once a second, so
        // a check that polls from the page would measure that, not the page.
        var shown = new[] { first, tabs[7] }.Select(tab => tab.Page.EvaluateAsync<double>(ShownAt, "hello, eight tabs")).ToArray();
        await first.Field.FillAsync("hello, eight tabs");
        var sentAt = await first.Page.EvaluateAsync<double>("() => Date.now()");
        await first.Field.PressAsync("Enter");
        foreach (var at in await Task.WhenAll(shown).WaitAsync(TimeSpan.FromSeconds(15)))
            Assert.True(at - sentAt < 1_000, $"shown {at - sentAt:F0} ms after it was sent (first, eighth: {string.Join(", ", (await Task.WhenAll(shown)).Select(t => t - sentAt))})");
        await tabs[7].ShouldShowAsync("warm-up", "hello, eight tabs");
        await UntilHeldAsync("tabs", 1);
        Assert.Equal(1, await host.HeldAsync("tabs"));
        // The person's eight tabs count once among those here (each tab's own history reads fade after the grace).
        var deadline = Stopwatch.StartNew();
        while (await host.HereAsync("tabs") != 1 && deadline.Elapsed < TimeSpan.FromSeconds(15)) await Task.Delay(100);
        Assert.Equal(1, await host.HereAsync("tabs"));
        foreach (var tab in tabs) tab.ShouldHaveLoggedNoErrors();
    }

    /// The tab that holds the poll closes: another takes over where the tabs were; nothing is lost or shown twice.
    [Fact]
    public async Task Closing_the_tab_that_holds_the_poll_loses_nothing_and_shows_nothing_twice()
    {
        var first = await ChatPage.OpenAsync(browser.Browser, host, "handover");
        tabs.Add(first);
        var second = await first.OpenTabAsync("handover");
        var third = await first.OpenTabAsync("handover");
        tabs.AddRange([second, third]);
        await UntilHeldAsync("handover", 1);
        await host.PostAsync("handover", "before");
        await third.ShouldShowAsync("before");

        await first.Page.CloseAsync(); // the first tab took the lock: it polled for all three
        await host.PostAsync("handover", "during");
        await host.PostAsync("handover", "after");

        await second.ShouldShowAsync("before", "during", "after");
        await third.ShouldShowAsync("before", "during", "after");
        Assert.Equal([0, 1, 2], (IEnumerable<int>)await third.IndicesAsync());
        await UntilHeldAsync("handover", 1);
    }

    /// Resolves to Date.now() when the page lists a message with this text.
    const string ShownAt = """
        text => new Promise(resolve => {
          const list = document.getElementById('messages');
          const shown = () => [...list.querySelectorAll('li .text')].some(t => t.textContent === text);
          if (shown()) return resolve(Date.now());
          new MutationObserver((_, observer) => { if (shown()) { observer.disconnect(); resolve(Date.now()); } })
            .observe(list, { childList: true, subtree: true });
        })
        """;

    async Task UntilHeldAsync(string room, int count)
    {
        var deadline = Stopwatch.StartNew();
        while (await host.HeldAsync(room) != count)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(15)) Assert.Fail($"{room} does not hold {count} poll(s) but {await host.HeldAsync(room)}");
            await Task.Delay(50);
        }
    }
}
