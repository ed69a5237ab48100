using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Chat.Specs.Browser;

/// Moderation and retention on the page: a message a moderator removes leaves the page at once, as a short note in
/// its place, and the removal itself is neither shown nor counted unread; a room that retention trimmed opens at its
/// first kept message, with no error, and goes on live.
[Collection(BrowserCollection.Name)]
public sealed class ModerationSpecs(BrowserFixture browser) : IAsyncLifetime
{
    const string Key = "a signing key of at least thirty-two bytes, for the page";
    const string Trimmed = "trimmed";
    HostProcess host = null!;
    readonly List<ChatPage> pages = [];

    // Moderation needs a key to check tokens with (open rooms stay open); retention trims one room, fast.
    public async Task InitializeAsync() => host = await HostProcess.StartAsync($"--Auth:SigningKey={Key}",
        $"--Chat:Retention:0:Rooms={Trimmed}", "--Chat:Retention:0:KeepLast=3", "--Chat:RetentionSweep=00:00:00.200");

    public async Task DisposeAsync()
    {
        foreach (var page in pages) await page.DisposeAsync();
        if (host is not null) await host.DisposeAsync();
    }

    async Task<ChatPage> OpenAsync(string room)
    {
        var page = await ChatPage.OpenAsync(browser.Browser, host, room);
        pages.Add(page);
        return page;
    }

    /// An HS256 JWT as any issuer makes one, whose `chat` claim may moderate <paramref name="rooms"/> and nothing else.
    static string Moderator(string[] rooms)
    {
        static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var header = B64(Encoding.UTF8.GetBytes("""{"alg":"HS256","typ":"JWT"}"""));
        var claims = B64(JsonSerializer.SerializeToUtf8Bytes(new
        {
            name = "Mod",
            exp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(),
            chat = new { read = Array.Empty<string>(), post = Array.Empty<string>(), moderate = rooms },
        }));
        return $"{header}.{claims}.{B64(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), Encoding.ASCII.GetBytes($"{header}.{claims}")))}";
    }

    /// `DELETE /rooms/{room}/messages/{index}` as a moderator; the index of the removal entry.
    async Task<int> RemoveAsync(string room, int index)
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/rooms/{room}/messages/{index}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Moderator(["*"]));
        using var response = await http.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"DELETE answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<Removed>())!.Removal;
    }

    sealed record Removed(string Room, int Index, int Removal);

    ILocator Badge(ChatPage page, string room) => page.Page.Locator($"#room-list li[data-room=\"{room}\"] .unread");

    [Fact]
    public async Task A_message_a_moderator_removes_leaves_the_open_page_at_once_and_the_removal_is_not_unread()
    {
        await host.PostAsync("modded", "keep me", "Ann");
        await host.PostAsync("modded", "remove me", "Bob");
        await host.PostAsync("modded", "after it", "Bob");   // under Bob's name from the one before
        var page = await OpenAsync("side");                  // joins #side: its unread count shows beside #modded
        await page.Page.EvaluateAsync("() => location.hash = 'room=modded'");
        await page.ShouldShowAsync("keep me", "remove me", "after it");
        await Expect(page.Authors).ToHaveTextAsync(["Ann", "Bob"]);
        await page.ShouldBeLiveAsync();
        await page.Page.EvaluateAsync("() => window.sameLoad = true");
        await host.PostAsync("side", "in the other room");
        await Expect(Badge(page, "side")).ToHaveTextAsync("1");

        Assert.Equal(3, await RemoveAsync("modded", 1));
        Assert.Equal(1, await RemoveAsync("side", 0));
        await host.PostAsync("modded", "typed after the removals", "Ann");  // seen after both removals: one poll serves both rooms

        await page.ShouldShowAsync("keep me", "after it", "typed after the removals");
        var note = page.Page.Locator("#messages li.removed");
        await Expect(note).ToHaveCountAsync(1);
        await Expect(note).ToHaveAttributeAsync("data-index", "1");
        await Expect(note).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^message removed"));
        await Expect(page.Page.Locator("#messages li[data-index=\"3\"]")).ToHaveCountAsync(0);  // the removal shows nothing
        await Expect(page.Authors).ToHaveTextAsync(["Ann", "Bob", "Ann"]);  // "after it" shows its own name now
        Assert.Equal("1", await Badge(page, "side").TextContentAsync());     // #side: one message, its removal not unread
        Assert.True(await page.Page.EvaluateAsync<bool>("() => window.sameLoad === true"), "the page was loaded again");
        await page.ScreenshotAsync(this, ".live");

        // A page opened afterwards reads the removed message as a placeholder: the same note in the same place.
        var later = await OpenAsync("modded");
        await later.ShouldShowAsync("keep me", "after it", "typed after the removals");
        await Expect(later.Page.Locator("#messages li.removed")).ToHaveAttributeAsync("data-index", "1");
        Assert.Equal([0, 1, 2, 4], (IEnumerable<int>)await later.IndicesAsync());
        await later.ScreenshotAsync(this, ".history");
        page.ShouldHaveLoggedNoErrors();
        later.ShouldHaveLoggedNoErrors();
    }

    [Fact]
    public async Task A_room_trimmed_by_retention_opens_at_its_first_kept_message_with_no_error_and_goes_on_live()
    {
        for (var i = 0; i < 8; i++) await host.PostAsync(Trimmed, $"old {i}");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await host.FirstAsync(Trimmed) < 5 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Equal(5, await host.FirstAsync(Trimmed));

        var page = await OpenAsync(Trimmed);
        await page.ShouldShowAsync("old 5", "old 6", "old 7");
        Assert.Equal([5, 6, 7], (IEnumerable<int>)await page.IndicesAsync());
        await Expect(page.Page.Locator("#access")).ToBeEmptyAsync();
        await Expect(page.Page.Locator("#messages")).Not.ToHaveAttributeAsync("aria-busy", "true");

        // Scrolling back stops at the first kept message: nothing is asked below it.
        await page.Page.Locator("#messages").EvaluateAsync("list => list.dispatchEvent(new Event('scroll'))");
        await host.PostAsync(Trimmed, "new 8");
        await page.ShouldShowAsync("old 5", "old 6", "old 7", "new 8");
        await page.ShouldBeLiveAsync();
        await page.ScreenshotAsync(this);
        page.ShouldHaveLoggedNoErrors();  // a read below `first` is a 410, which the browser logs as an error
    }
}
