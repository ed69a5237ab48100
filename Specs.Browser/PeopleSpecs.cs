using static Microsoft.Playwright.Assertions;

namespace Chat.Specs.Browser;

/// Names, times and who is here, on the page in wwwroot against the real Host.
[Collection(BrowserCollection.Name)]
public sealed class PeopleSpecs(BrowserFixture browser) : IAsyncLifetime
{
    HostProcess host = null!;
    readonly List<ChatPage> pages = [];

    public async Task InitializeAsync() => host = await HostProcess.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var page in pages) await page.DisposeAsync();
        if (host is not null) await host.DisposeAsync();
    }

    async Task<ChatPage> OpenAsync(string room, string? name = null)
    {
        var page = await ChatPage.OpenAsync(browser.Browser, host, room);
        pages.Add(page);
        if (name is not null) await page.SetNameAsync(name);
        return page;
    }

    [Fact]
    public async Task Two_people_with_names_see_each_others_name_and_time_and_their_own_messages_marked()
    {
        var ann = await OpenAsync("names", "Ann");
        var bob = await OpenAsync("names", "Bob");

        await ann.SendAsync("hello from Ann");
        await bob.ShouldShowAsync("hello from Ann");
        await bob.SendAsync("hi Ann");
        await bob.SendAsync("how are you?");

        foreach (var page in new[] { ann, bob })
        {
            await page.ShouldShowAsync("hello from Ann", "hi Ann", "how are you?");
            await Expect(page.Authors).ToHaveTextAsync(["Ann", "Bob"]); // Bob's two messages: one name
            await Expect(page.Items.Nth(2)).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("continued"));
            await Expect(page.Page.Locator("#messages li time")).ToHaveCountAsync(3);
            Assert.All(await page.Page.Locator("#messages li time").EvaluateAllAsync<string[]>("ts => ts.map(t => t.dateTime)"),
                t => Assert.True(DateTimeOffset.UtcNow - DateTimeOffset.Parse(t, System.Globalization.CultureInfo.InvariantCulture) < TimeSpan.FromMinutes(1), t));
        }
        await Expect(ann.Page.Locator("#messages li.mine .text")).ToHaveTextAsync(["hello from Ann"]);
        await Expect(bob.Page.Locator("#messages li.mine .text")).ToHaveTextAsync(["hi Ann", "how are you?"]);
        await ann.ScreenshotAsync(this);
        ann.ShouldHaveLoggedNoErrors();
        bob.ShouldHaveLoggedNoErrors();
    }

    [Fact]
    public async Task A_name_with_markup_is_shown_as_text_and_the_name_is_remembered()
    {
        const string name = "<img src=x onerror=\"window.__pwned = 1\">";
        var page = await OpenAsync("markup", name);
        await page.SendAsync("hi");
        await Expect(page.Authors).ToHaveTextAsync([name]);
        Assert.Equal(0, await page.Page.Locator("#messages img").CountAsync());
        Assert.Null(await page.Page.EvaluateAsync<int?>("() => window.__pwned ?? null"));

        await page.Page.ReloadAsync();
        await page.ShouldBeLiveAsync();
        await Expect(page.Page.Locator("#name-input")).ToHaveValueAsync(name);
        page.ShouldHaveLoggedNoErrors();
    }

    [Fact]
    public async Task The_count_of_people_here_goes_to_two_with_two_pages_and_back_to_one_when_one_closes()
    {
        var ann = await OpenAsync("count", "Ann");
        await Expect(ann.Here).ToHaveTextAsync("1 here", new() { Timeout = ChatPage.Wait });
        var bob = await OpenAsync("count");
        await Expect(ann.Here).ToHaveTextAsync("2 here", new() { Timeout = ChatPage.Wait });
        await ann.SendAsync("I am here");
        await Expect(bob.Here).ToHaveTextAsync("2 here: Ann", new() { Timeout = ChatPage.Wait });

        pages.Remove(bob);
        await bob.DisposeAsync();
        await Expect(ann.Here).ToHaveTextAsync("1 here: Ann", new() { Timeout = ChatPage.Wait });
        ann.ShouldHaveLoggedNoErrors();
    }
}
