using static Microsoft.Playwright.Assertions;

namespace Chat.Specs.Browser;

/// The page as a chat people live in: the rooms they joined with unread counts, a divider at the first unread message,
/// older history on scrolling up, mentions highlighted and, in a hidden tab, notified.
[Collection(BrowserCollection.Name)]
public sealed class RoomsPageSpecs(BrowserFixture browser) : IAsyncLifetime
{
    HostProcess host = null!;
    ChatPage? page;

    public async Task InitializeAsync() => host = await HostProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (page is not null) await page.DisposeAsync();
        if (host is not null) await host.DisposeAsync();
    }

    static async Task JoinAsync(ChatPage page, string room)
    {
        await page.Page.Locator("#room-input").FillAsync(room);
        await page.Page.Locator("#room-input").PressAsync("Enter");
        await Expect(page.Page.Locator("#room-title")).ToHaveTextAsync($"#{room}");
        await page.ShouldBeLiveAsync();
    }

    [Fact]
    public async Task Three_rooms_show_their_unread_counts_the_title_the_total_and_a_divider_at_the_first_unread()
    {
        await host.PostAsync("green", "g0");
        page = await ChatPage.OpenAsync(browser.Browser, host, "red");
        await JoinAsync(page, "green");
        await page.ShouldShowAsync("g0");
        await JoinAsync(page, "blue");
        await JoinAsync(page, "red");

        await host.PostAsync("green", "g1");
        await host.PostAsync("green", "g2");
        await host.PostAsync("blue", "b0");

        var rooms = page.Page.Locator("#room-list li");
        await Expect(rooms.Locator("a")).ToHaveTextAsync(["#red", "#green", "#blue"]);
        await Expect(page.Page.Locator("#room-list li[data-room=green] .unread")).ToHaveTextAsync("2");
        await Expect(page.Page.Locator("#room-list li[data-room=blue] .unread")).ToHaveTextAsync("1");
        await Expect(page.Page.Locator("#room-list li[data-room=red] .unread")).ToHaveTextAsync("");
        await Expect(page.Page).ToHaveTitleAsync("(3) #red · Chat");

        await page.Page.Locator("#room-list li[data-room=green] a").ClickAsync();
        await page.ShouldShowAsync("g0", "g1", "g2");
        await Expect(page.Page.Locator("#messages li.divider + li .text")).ToHaveTextAsync("g1");
        await Expect(page.Page.Locator("#room-list li[data-room=green] .unread")).ToHaveTextAsync("");
        await Expect(page.Page).ToHaveTitleAsync("(1) #green · Chat");
        page.ShouldHaveLoggedNoErrors();
    }

    [Fact]
    public async Task Scrolling_up_loads_older_history_a_page_at_a_time_down_to_the_first_message()
    {
        for (var i = 0; i < 500; i++) await host.PostAsync("long", $"m{i}");
        page = await ChatPage.OpenAsync(browser.Browser, host, "long");
        await Expect(page.Page.Locator("#messages li[data-index]").First).ToHaveAttributeAsync("data-index", "450");

        for (var tries = 0; tries < 40 && (await page.IndicesAsync())[0] > 0; tries++)
        {
            var first = (await page.IndicesAsync())[0];
            await page.Page.Locator("#messages").EvaluateAsync("list => list.scrollTop = 0");
            await page.Page.WaitForFunctionAsync("first => Number(document.querySelector('#messages li[data-index]').dataset.index) < first", first);
        }

        Assert.Equal(Enumerable.Range(0, 500), await page.IndicesAsync());
        await Expect(page.Texts.First).ToHaveTextAsync("m0");
        page.ShouldHaveLoggedNoErrors();
    }

    /// Records every notification the page makes (the browser's own, with the permission granted), and lets the spec
    /// hide the tab.
    const string Watch = """
        window.notes = [];
        const Real = window.Notification;
        window.Notification = new Proxy(Real, { construct(target, args) { window.notes.push(args[1]?.body ?? ''); return new target(...args); } });
        let hidden = false;
        Object.defineProperty(document, 'visibilityState', { get: () => hidden ? 'hidden' : 'visible' });
        Object.defineProperty(document, 'hidden', { get: () => hidden });
        window.hideTab = () => { hidden = true; document.dispatchEvent(new Event('visibilitychange')); };
        """;

    [Fact]
    public async Task A_message_that_names_the_person_is_highlighted_and_in_a_hidden_tab_notified()
    {
        page = await ChatPage.OpenAsync(browser.Browser, host, "mentions", permissions: ["notifications"], initScript: Watch);
        await page.SetNameAsync("Ann");
        await page.Page.EvaluateAsync("() => window.hideTab()");

        await host.PostAsync("mentions", "hello everyone", "Bob");
        await host.PostAsync("mentions", "@ann, can you look?", "Bob");
        await host.PostAsync("mentions", "Annabel is not Ann's name... but Ann is", "Bob");
        await host.PostAsync("mentions", "Ann here, talking about myself", "Ann");
        await page.ShouldShowAsync("hello everyone", "@ann, can you look?", "Annabel is not Ann's name... but Ann is", "Ann here, talking about myself");

        await Expect(page.Page.Locator("#messages li.mention .text")).ToHaveTextAsync(["@ann, can you look?", "Annabel is not Ann's name... but Ann is"]);
        Assert.Equal(["@ann, can you look?", "Annabel is not Ann's name... but Ann is"], await page.Page.EvaluateAsync<string[]>("() => window.notes"));
        page.ShouldHaveLoggedNoErrors();
    }
}
