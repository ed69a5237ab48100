using Chat.Specs.Http.Support;

namespace Chat.Specs.Clients;

/// The command-line tool as a process against the real Host: `follow` prints what `post` posts, as it arrives.
public sealed class CliSpecs : IAsyncLifetime
{
    private readonly TempFolder _folder = new("chat-cli-");
    private ChildHost _host = null!;

    public async Task InitializeAsync() => _host = await ChildHost.StartAsync(_folder.File("chat.db"));

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _folder.Dispose();
    }

    private string Url => _host.Address.ToString();

    /// `follow` starts at the room's end (history posted before it is not printed), prints each message posted
    /// with `post` on a line of its own (index, local time, author), and ends with 0 on Ctrl+C, leaving no
    /// held poll. `post` prints the index; `status` the room's next index.
    [Fact]
    public async Task Follow_prints_each_message_posted_with_post_as_it_arrives()
    {
        Assert.Equal((0, "0"), Simple(await CliProcess.RunAsync("post", "cli", "before the follow", "--url", Url)));
        await using var follow = CliProcess.Start("follow", "cli", "--url", Url);
        using var http = _host.Client();
        await http.UntilHeldAsync(1, "cli");

        Assert.Equal((0, "1"), Simple(await CliProcess.RunAsync("post", "cli", "hello from the CLI", "--name", "Ann", "--url", Url)));
        Assert.Matches(@"^1 \d\d:\d\d:\d\d Ann: hello from the CLI$", await follow.NextLineAsync(Wire.Bound));
        Assert.Equal((0, "2"), Simple(await CliProcess.RunAsync("post", "cli", "anonymous", "--url", Url)));
        Assert.Matches(@"^2 \d\d:\d\d:\d\d anonymous$", await follow.NextLineAsync(Wire.Bound));

        Assert.Equal(0, await follow.InterruptAsync());
        await http.UntilHeldAsync(0, "cli");
        var (code, status, _) = await CliProcess.RunAsync("status", "cli", "--url", Url);
        Assert.Equal(0, code);
        Assert.Contains("next 3", status);
    }

    /// `follow` with several rooms holds one poll for all of them and prints each message with its room.
    [Fact]
    public async Task Follow_of_several_rooms_prints_each_message_with_its_room_through_one_poll()
    {
        await using var follow = CliProcess.Start("follow", "lobby", "dev", "--url", Url);
        using var http = _host.Client();
        await http.UntilHeldAsync(1, "lobby");
        await http.UntilHeldAsync(1, "dev");

        await CliProcess.RunAsync("post", "dev", "hello dev", "--url", Url);
        Assert.Matches(@"^#dev 0 \d\d:\d\d:\d\d hello dev$", await follow.NextLineAsync(Wire.Bound));
        await CliProcess.RunAsync("post", "lobby", "hello lobby", "--name", "Ann", "--url", Url);
        Assert.Matches(@"^#lobby 0 \d\d:\d\d:\d\d Ann: hello lobby$", await follow.NextLineAsync(Wire.Bound));

        Assert.Equal(0, await follow.InterruptAsync());
        await http.UntilHeldAsync(0, "lobby");
        await http.UntilHeldAsync(0, "dev");
    }

    /// A refusal is one line on stderr and exit code 1, not a stack trace.
    [Fact]
    public async Task A_refused_post_prints_the_problem_and_exits_1()
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync("post", "no room", "text", "--url", Url);
        Assert.Equal(1, code);
        Assert.Empty(stdout);
        Assert.StartsWith("400 Bad room name: ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", stderr, StringComparison.Ordinal);
    }

    private static (int, string) Simple((int ExitCode, List<string> Stdout, string Stderr) run) => (run.ExitCode, string.Join("\n", run.Stdout));
}
