namespace Chat.Specs.Browser;

/// The pictures in docs/: a room with a few messages on a desktop and on a 375 px phone.
/// They land in the test output folder on every run, and replace docs/*.png only when
/// CHAT_DOCS_SCREENSHOTS=1, so a normal test run never changes the work tree.
[Collection(BrowserCollection.Name)]
public sealed class DocsScreenshots(BrowserFixture browser) : IAsyncLifetime
{
    static readonly (string Name, string Text)[] Talk =
    [
        ("Ann", "Morning all! The new page is up: no Dojo, just fetch and a long poll."),
        ("Bob", "Nice. What happens if the server restarts while I'm reading?"),
        ("Ann", "The page backs off (250 ms doubling to 10 s, with jitter) and resumes at the index it had.\nNothing lost, nothing shown twice."),
        ("Ann", "And <b>markup</b> stays literal text 👍"),
        ("Zoë", "Unicode too: ünïcödé, Ελληνικά, кириллица, مرحبا ✓"),
    ];

    static readonly string[] Conversation = [.. Talk.Select(t => t.Text)];

    HostProcess host = null!;

    public async Task InitializeAsync()
    {
        host = await HostProcess.StartAsync();
        foreach (var (name, text) in Talk) await host.PostAsync("lobby", text, name);
        foreach (var text in new[] { "Mock-ups for the room list are in the wiki.", "Unread counts next to each room?" })
            await host.PostAsync("design", text, "Zoë");
        await host.PostAsync("random", "Lunch at noon?", "Bob");
    }

    /// A person who joined two more rooms and has not read them since.
    const string Joined = """
        localStorage.setItem('chat.rooms', JSON.stringify(['lobby', 'design', 'random']));
        localStorage.setItem('chat.seen', JSON.stringify({ design: 0, random: 0 }));
        """;

    public async Task DisposeAsync()
    {
        if (host is not null) await host.DisposeAsync();  // null if it never started
    }

    [Theory]
    [InlineData("desktop", 1280, 800)]
    [InlineData("phone", 375, 740)]
    public async Task A_room_with_a_few_messages(string name, int width, int height)
    {
        await using var page = await ChatPage.OpenAsync(browser.Browser, host, "lobby", width, height, initScript: Joined);
        await page.ShouldShowAsync(Conversation);
        await page.SetNameAsync("Bob");
        await Microsoft.Playwright.Assertions.Expect(page.Here).ToHaveTextAsync("1 here");
        await Microsoft.Playwright.Assertions.Expect(page.Page).ToHaveTitleAsync("(3) #lobby · Chat");
        await page.Field.FillAsync("Typing a reply…");

        var shot = await page.ScreenshotAsync(this, $".{name}");
        if (Environment.GetEnvironmentVariable("CHAT_DOCS_SCREENSHOTS") == "1")
        {
            var docs = Directory.CreateDirectory(Path.Combine(HostProcess.Metadata("RepoRoot"), "docs")).FullName;
            File.Copy(shot, Path.Combine(docs, $"screenshot-{name}.png"), overwrite: true);
        }
        page.ShouldHaveLoggedNoErrors();
    }
}
