using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace Chat.Specs.Browser;

/// A protected room on the page: opened with a token in the URL fragment, which the page sends on every request;
/// without one, or with an expired one, the page says so plainly and does not spin.
[Collection(BrowserCollection.Name)]
public sealed class ProtectedRoomSpecs(BrowserFixture browser) : IAsyncLifetime
{
    const string Key = "a signing key of at least thirty-two bytes, for the page";
    HostProcess host = null!;
    readonly List<ChatPage> pages = [];

    public async Task InitializeAsync() => host = await HostProcess.StartAsync($"--Auth:SigningKey={Key}", "--Auth:Protected=team-*", "--Auth:ClockSkew=00:00:00");

    public async Task DisposeAsync()
    {
        foreach (var page in pages) await page.DisposeAsync();
        if (host is not null) await host.DisposeAsync();
    }

    /// An HS256 JWT, made the way any issuer makes one: base64url(header).base64url(claims).base64url(HMAC).
    static string Token(string name, string[] read, string[] post, TimeSpan lifetime)
    {
        static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var header = B64(Encoding.UTF8.GetBytes("""{"alg":"HS256","typ":"JWT"}"""));
        var claims = B64(JsonSerializer.SerializeToUtf8Bytes(new { name, exp = DateTimeOffset.UtcNow.Add(lifetime).ToUnixTimeSeconds(), chat = new { read, post } }));
        return $"{header}.{claims}.{B64(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), Encoding.ASCII.GetBytes($"{header}.{claims}")))}";
    }

    async Task<ChatPage> OpenAsync(string fragment, bool live = true)
    {
        var page = await ChatPage.OpenAsync(browser.Browser, host, fragment, waitLive: live);
        pages.Add(page);
        return page;
    }

    [Fact]
    public async Task A_token_in_the_fragment_opens_a_protected_room_and_posts_under_its_name()
    {
        var ann = await OpenAsync($"team-a&token={Token("Ann (token)", ["team-*"], ["team-a"], TimeSpan.FromHours(1))}");
        await ann.SetNameAsync("Mallory");
        await ann.SendAsync("only for the team");
        await ann.ShouldShowAsync("only for the team");
        await Expect(ann.Authors).ToHaveTextAsync(["Ann (token)"]);
        await Expect(ann.Page.Locator("#access")).ToBeEmptyAsync();
        ann.ShouldHaveLoggedNoErrors(new System.Text.RegularExpressions.Regex("401|403"));
    }

    [Fact]
    public async Task Without_a_token_or_with_an_expired_one_the_page_says_so_and_stops_asking()
    {
        var none = await OpenAsync("team-b", live: false);
        await Expect(none.Status).ToHaveAttributeAsync("data-state", "denied");
        await Expect(none.Page.Locator("#access")).ToContainTextAsync("needs a token");
        var asked = none.Requests;
        await Task.Delay(1500);
        Assert.True(none.Requests - asked <= 1, $"the page kept asking: {none.Requests - asked} requests"); // at most the first 'here'

        var expired = await OpenAsync($"team-b&token={Token("Ann", ["team-*"], [], TimeSpan.FromMinutes(-5))}", live: false);
        await Expect(expired.Page.Locator("#access")).ToContainTextAsync("expired");

        var elsewhere = await OpenAsync($"team-b&token={Token("Ann", ["team-other"], [], TimeSpan.FromHours(1))}", live: false);
        await Expect(elsewhere.Page.Locator("#access")).ToContainTextAsync("does not allow");
        await none.ScreenshotAsync(this);
    }
}
