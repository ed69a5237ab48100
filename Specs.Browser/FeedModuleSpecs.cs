using System.Text.Json;

namespace Chat.Specs.Browser;

/// wwwroot/feed.js as another page embeds it (docs/clients.md): imported on its own, `follow` told of each
/// message through `on.messages`, `send` posting. Through a kill and restart of the Host, the record holds
/// every message once and in order.
[Collection(BrowserCollection.Name)]
public sealed class FeedModuleSpecs(BrowserFixture browser) : IAsyncLifetime
{
    HostProcess host = null!;
    ChatPage page = null!;

    public async Task InitializeAsync()
    {
        host = await HostProcess.StartAsync();
        page = await ChatPage.OpenAsync(browser.Browser, host, "elsewhere"); // the page follows its own room
    }

    public async Task DisposeAsync()
    {
        if (page is not null) await page.DisposeAsync();
        if (host is not null) await host.DisposeAsync();
    }

    const string Follow = """
        async room => {
          const { follow } = await import('/feed.js');
          Object.assign(window, { record: [], states: [], resets: 0, caughtUp: 0 });
          follow(room, {
            messages: batch => window.record.push(...batch.map(m => ({ index: m.index, text: m.text, author: m.author, time: m.time }))),
            caughtUp: () => window.caughtUp++,
            state: s => window.states.push(s),
            reset: () => window.resets++,
          }, new AbortController().signal);
        }
        """;

    const string Send = "async ([room, text, name]) => (await import('/feed.js')).send(room, text, name)";

    [Fact]
    public async Task The_module_follows_a_room_through_a_server_restart_with_nothing_lost_or_shown_twice()
    {
        await host.PostAsync("embedded", "history 0");
        await host.PostAsync("embedded", "history 1", "Ann");
        await page.Page.EvaluateAsync(Follow, "embedded");
        await RecordedAsync(2);
        Assert.Equal(2, await page.Page.EvaluateAsync<int>(Send, new[] { "embedded", "sent 2", "Bob" }));
        await host.PostAsync("embedded", "live 3");
        await RecordedAsync(4);

        await host.KillAsync();
        await page.Page.WaitForFunctionAsync("() => window.states.at(-1) !== 'live'", null, new() { Timeout = ChatPage.Wait });
        await host.StartAgainAsync();
        await host.PostAsync("embedded", "after restart 4");   // possibly before the module is back: it must catch up
        await RecordedAsync(5);
        Assert.Equal(5, await page.Page.EvaluateAsync<int>(Send, new[] { "embedded", "sent after restart 5", "" }));
        await host.PostAsync("embedded", "last 6");            // anything repeated would show before this one
        await RecordedAsync(7);

        var record = await page.Page.EvaluateAsync<JsonElement>("() => window.record");
        Assert.Equal(Enumerable.Range(0, 7), record.EnumerateArray().Select(m => m.GetProperty("index").GetInt32()));
        Assert.Equal(["history 0", "history 1", "sent 2", "live 3", "after restart 4", "sent after restart 5", "last 6"],
            record.EnumerateArray().Select(m => m.GetProperty("text").GetString()));
        Assert.Equal(["Ann", "Bob"], record.EnumerateArray().Select(m => m.GetProperty("author").GetString()).OfType<string>());
        Assert.All(record.EnumerateArray(), m => Assert.Equal(JsonValueKind.String, m.GetProperty("time").ValueKind));
        Assert.Equal(1, await page.Page.EvaluateAsync<int>("() => window.caughtUp"));
        Assert.Equal(0, await page.Page.EvaluateAsync<int>("() => window.resets"));
        var states = await page.Page.EvaluateAsync<string[]>("() => window.states");
        Assert.Equal("live", states[0]);
        Assert.Contains("reconnecting", states);
        Assert.Equal("live", states[^1]);
    }

    Task RecordedAsync(int count) =>
        page.Page.WaitForFunctionAsync("n => window.record.length >= n", count, new() { Timeout = ChatPage.Wait });
}
