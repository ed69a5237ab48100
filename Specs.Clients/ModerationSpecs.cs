using System.Net;
using System.Threading.Channels;
using Chat.Client;
using Chat.Specs.Http.Support;

namespace Chat.Specs.Clients;

/// Removals, erasure and retention through the library and the CLI against the real Host: a removal is an entry a
/// follower receives in order, an erasure counts what it removed, and a follow from below a trimmed room's first
/// kept index starts there instead of failing.
public sealed class ModerationSpecs : IAsyncLifetime
{
    private readonly TempFolder _folder = new("chat-client-moderation-");
    private readonly CancellationTokenSource _bound = new(); // bounds each spec, and ends the follows it started
    private ChildHost _host = null!;

    private CancellationToken Ct => _bound.Token;

    /// A signing key, so moderators' tokens are checked; the room "trimmed" keeps its last 3 messages, swept every 200 ms.
    public async Task InitializeAsync()
    {
        _host = await ChildHost.StartAsync(_folder.File("chat.db"), $"--Auth:SigningKey={Tokens.Key}",
            "--Chat:Retention:0:Rooms=trimmed", "--Chat:Retention:0:KeepLast=3", "--Chat:RetentionSweep=00:00:00.200");
        _bound.CancelAfter(TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        await _bound.CancelAsync();
        _bound.Dispose();
        await _host.DisposeAsync();
        _folder.Dispose();
    }

    private ChatClient Moderator(params string[] rooms) => new(new ChatClientOptions { Token = Tokens.Moderator(rooms) }, _host.Address);

    /// A follower from 0 gets 0 and 1; the moderator removes 1; the follower then gets the removal as entry 2 (removes
    /// 1, by the token's name, no text) before the post after it, 3. Read again from 0, 1 is a placeholder naming 2.
    /// Removing 1 again answers the same removal; without a token the removal is a 401 at once.
    [Fact]
    public async Task A_removal_reaches_a_follower_as_an_entry_in_order_and_the_message_reads_as_a_placeholder()
    {
        using var poster = new ChatClient(_host.Address);
        using var follower = new ChatClient(_host.Address);
        using var moderator = Moderator("rem*");
        await poster.PostAsync("removing", "hello", "Ann", Ct);
        await poster.PostAsync("removing", "spam", "Bob", Ct);
        var arrivals = Follow(follower, "removing", 0, Ct);
        Assert.Equal([(0, "hello", "Ann"), (1, "spam", "Bob")], [Simple(await arrivals.ReadAsync(Ct)), Simple(await arrivals.ReadAsync(Ct))]);

        Assert.Equal(2, await moderator.RemoveAsync("removing", 1, Ct));
        await poster.PostAsync("removing", "after", "Ann", Ct);

        var removal = await arrivals.ReadAsync(Ct);
        Assert.Equal((2L, "", "Mod", 1L, (long?)null), (removal.Index, removal.Text, removal.Author, removal.Removes, removal.RemovedBy));
        Assert.NotNull(removal.Time);
        Assert.Equal((3, "after", "Ann"), Simple(await arrivals.ReadAsync(Ct)));

        var reread = await FirstAsync(follower.FollowAsync("removing", 1, Ct));
        Assert.Equal((1L, "", (string?)null, (long?)null, (long?)2), (reread.Index, reread.Text, reread.Author, reread.Removes, reread.RemovedBy));
        Assert.NotNull(reread.Time);
        Assert.Equal(2, await moderator.RemoveAsync("removing", 1, Ct)); // idempotent: the same removal
        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<ChatException>(() => poster.RemoveAsync("removing", 0, Ct))).Status);
        using var other = Moderator("elsewhere");
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<ChatException>(() => other.RemoveAsync("removing", 0, Ct))).Status);
    }

    /// Ann wrote 0 and 2 in erase-a, 0 in erase-b and 0 in kept-c; Bob wrote 1 in erase-a. Erasing Ann in `erase-*`
    /// removes 3, and says where; kept-c and Bob's message stay. Erasing her again removes none.
    [Fact]
    public async Task Erasing_an_author_counts_what_it_removed_in_each_room_the_pattern_names()
    {
        using var poster = new ChatClient(_host.Address);
        using var moderator = Moderator("*");
        await poster.PostAsync("erase-a", "a0", "Ann", Ct);
        await poster.PostAsync("erase-a", "a1", "Bob", Ct);
        await poster.PostAsync("erase-a", "a2", "Ann", Ct);
        await poster.PostAsync("erase-b", "b0", "Ann", Ct);
        await poster.PostAsync("kept-c", "c0", "Ann", Ct);

        var erased = await moderator.EraseAsync("Ann", "erase-*", Ct);

        Assert.Equal(("Ann", 3), (erased.Author, erased.Removed));
        Assert.Equal(["erase-a: 0,2", "erase-b: 0"], erased.Rooms.Select(r => $"{r.Room}: {string.Join(',', r.Indexes)}").Order());
        // The removals of 0 and 2 are 3 and 4, in either order (the service removes them together).
        Assert.Equal(((string?)null, true), await ReadAsync(poster, "erase-a", 0, Ct, m => (m.Author, m.RemovedBy is 3 or 4)));
        Assert.Equal(("Bob", false), await ReadAsync(poster, "erase-a", 1, Ct, m => (m.Author, m.RemovedBy is not null)));
        Assert.Equal(((string?)null, true), await ReadAsync(poster, "erase-a", 2, Ct, m => (m.Author, m.RemovedBy is 3 or 4)));
        Assert.Equal(("Ann", false), await ReadAsync(poster, "kept-c", 0, Ct, m => (m.Author, m.RemovedBy is not null)));
        Assert.Equal(0, (await moderator.EraseAsync("Ann", "erase-*", Ct)).Removed);
    }

    /// Six posts to "trimmed", which keeps its last 3: once the sweep has trimmed it (status: first 3), a follow from
    /// 0 (a 410 from the service) gets 3, 4, 5 and then what is posted next, without an error; so does a follow of
    /// several rooms from 0, for that room only.
    [Fact]
    public async Task A_follow_from_0_of_a_trimmed_room_starts_at_its_first_kept_message()
    {
        using var poster = new ChatClient(_host.Address);
        using var follower = new ChatClient(_host.Address);
        for (var i = 0; i < 6; i++) await poster.PostAsync("trimmed", $"t{i}", Ct);
        await poster.PostAsync("untrimmed", "u0", Ct);
        while ((await poster.StatusAsync("trimmed", Ct)).First < 3) await Task.Delay(50, Ct);
        var status = await poster.StatusAsync("trimmed", Ct);
        Assert.Equal((3L, 6L), (status.First, status.Next));

        var arrivals = Follow(follower, "trimmed", 0, Ct);
        var many = Channel.CreateUnbounded<RoomMessage>();
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var m in follower.FollowAsync(new Dictionary<string, long> { ["trimmed"] = 0, ["untrimmed"] = 0 }, Ct))
                    await many.Writer.WriteAsync(m, Ct);
                many.Writer.Complete();
            }
            catch (Exception e)
            {
                many.Writer.Complete(e);
            }
        });
        for (var i = 3; i < 6; i++) Assert.Equal((i, $"t{i}", null), Simple(await arrivals.ReadAsync(Ct)));
        await poster.PostAsync("trimmed", "t6", Ct);
        Assert.Equal((6, "t6", null), Simple(await arrivals.ReadAsync(Ct)));

        var got = new List<string>();
        while (got.Count < 5)
        {
            var m = await many.Reader.ReadAsync(Ct);
            got.Add($"{m.Room}:{m.Message.Index}:{m.Message.Text}");
        }
        Assert.Equal(["trimmed:3:t3", "trimmed:4:t4", "trimmed:5:t5", "trimmed:6:t6"], got.Where(g => g.StartsWith("trimmed", StringComparison.Ordinal)));
        Assert.Equal(["untrimmed:0:u0"], got.Where(g => g.StartsWith("untrimmed", StringComparison.Ordinal)));
    }

    /// The CLI: `follow` prints a post, then `remove` (a moderator's token) prints the removal's index and `follow`
    /// prints the removal as a line saying which message it removed; `follow --from 0` later shows the removed
    /// message as "(removed)", not as an empty line. `erase` prints how many it removed and where.
    [Fact]
    public async Task The_CLI_removes_a_message_and_follow_prints_the_removal()
    {
        var url = _host.Address.ToString();
        var token = Tokens.Moderator(["cli-*"]);
        await using var follow = CliProcess.Start("follow", "cli-mod", "--url", url);
        using var http = _host.Client();
        await http.UntilHeldAsync(1, "cli-mod");
        Assert.Equal((0, "0"), Simple(await CliProcess.RunAsync("post", "cli-mod", "oops", "--name", "Ann", "--url", url)));
        Assert.Matches(@"^0 \d\d:\d\d:\d\d Ann: oops$", await follow.NextLineAsync(Wire.Bound));

        Assert.Equal((0, "1"), Simple(await CliProcess.RunAsync("remove", "cli-mod", "0", "--url", url, "--token", token)));
        Assert.Matches(@"^1 \d\d:\d\d:\d\d \(message 0 removed by Mod\)$", await follow.NextLineAsync(Wire.Bound));
        Assert.Equal(0, await follow.InterruptAsync());

        await using var history = CliProcess.Start("follow", "cli-mod", "--from", "0", "--url", url);
        Assert.Matches(@"^0 \d\d:\d\d:\d\d \(removed\)$", await history.NextLineAsync(Wire.Bound));
        Assert.Matches(@"^1 \d\d:\d\d:\d\d \(message 0 removed by Mod\)$", await history.NextLineAsync(Wire.Bound));
        Assert.Equal(0, await history.InterruptAsync());

        await CliProcess.RunAsync("post", "cli-mod", "again", "--name", "Ann", "--url", url);
        Assert.Equal((0, "removed 1\n#cli-mod 2"), Simple(await CliProcess.RunAsync("erase", "Ann", "--rooms", "cli-*", "--url", url, "--token", token)));
        var (code, _, stderr) = await CliProcess.RunAsync("remove", "cli-mod", "0", "--url", url);
        Assert.Equal(1, code);
        Assert.StartsWith("401 ", stderr, StringComparison.Ordinal);
    }

    /// The follow's entries, as they arrive, on a channel that fails with the follow's error if it gives up.
    private static ChannelReader<ChatMessage> Follow(ChatClient chat, string room, long from, CancellationToken ct)
    {
        var arrivals = Channel.CreateUnbounded<ChatMessage>();
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var message in chat.FollowAsync(room, from, ct)) await arrivals.Writer.WriteAsync(message, ct);
                arrivals.Writer.Complete();
            }
            catch (Exception e)
            {
                arrivals.Writer.Complete(e);
            }
        }, ct);
        return arrivals.Reader;
    }

    private static async Task<T> FirstAsync<T>(IAsyncEnumerable<T> entries)
    {
        await foreach (var entry in entries) return entry;
        throw new InvalidOperationException("the follow ended");
    }

    private static async Task<T> ReadAsync<T>(ChatClient chat, string room, long index, CancellationToken ct, Func<ChatMessage, T> part) =>
        part(await FirstAsync(chat.FollowAsync(room, index, ct)));

    private static (long, string, string?) Simple(ChatMessage m) => (m.Index, m.Text, m.Author);

    private static (int, string) Simple((int ExitCode, List<string> Stdout, string Stderr) run) => (run.ExitCode, string.Join("\n", run.Stdout));
}
