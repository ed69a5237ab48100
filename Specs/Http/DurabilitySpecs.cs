using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;

namespace Chat.Specs.Http;

/// A post is acknowledged only once it is stored: kill the process however, and every acknowledged message
/// is there after a restart, at its number, byte for byte, and numbering goes on with no gap or duplicate.
public sealed class DurabilitySpecs : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chat-durable-").FullName;
    private string Db => Path.Combine(_folder, "chat.db");

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Every_acknowledged_message_survives_kill_9_and_sigterm_while_posters_post()
    {
        var acknowledged = new ConcurrentDictionary<long, string>();
        // Four rounds on one file: killed, killed, terminated gracefully, killed.
        foreach (var (round, graceful) in new[] { (0, false), (1, false), (2, true), (3, false) })
        {
            await using var host = await ChildHost.StartAsync(Db);
            await AssertHasAsync(host, acknowledged);
            using var stop = new CancellationTokenSource();
            var posters = Enumerable.Range(0, 8).Select(p => PostUntilStoppedAsync(host, $"r{round}-p{p}", acknowledged, stop.Token)).ToList();
            var target = acknowledged.Count + 100;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (acknowledged.Count < target && DateTime.UtcNow < deadline) await Task.Delay(10);

            if (graceful) Assert.Equal(0, await host.TerminateAsync());
            else await host.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(posters);
            Assert.True(acknowledged.Count >= target, $"round {round}: only {acknowledged.Count} posts acknowledged");
        }

        await using var last = await ChildHost.StartAsync(Db);
        var next = await AssertHasAsync(last, acknowledged);
        using var client = last.Client();
        using var after = await client.PostAsync("after the crashes");
        Assert.Equal($"/chat/get/{next}", after.Headers.Location!.OriginalString);
    }

    /// Checks every acknowledged message is stored at its index, and every stored index is one message
    /// (no gap, no duplicate text). Returns the room's next index.
    private static async Task<long> AssertHasAsync(ChildHost host, ConcurrentDictionary<long, string> acknowledged)
    {
        using var client = host.Client();
        var status = await client.GetFromJsonAsync<Wire.RoomStatus>("/rooms/chat").WaitAsync(Wire.Bound);
        Assert.True(acknowledged.IsEmpty || status!.Next > acknowledged.Keys.Max(), $"next {status!.Next} is below an acknowledged index");
        var texts = new HashSet<string>();
        for (var i = 0L; i < status.Next; i++)
        {
            var (code, text) = await client.GetTextAsync($"/chat/get/{i}");
            Assert.Equal(HttpStatusCode.OK, code);
            Assert.True(texts.Add(text), $"'{text}' stored twice");
            if (acknowledged.TryGetValue(i, out var expected)) Assert.Equal(expected, text);
        }
        return status.Next;
    }

    private static Task PostUntilStoppedAsync(ChildHost host, string name, ConcurrentDictionary<long, string> acknowledged, CancellationToken stop) =>
        Task.Run(async () =>
        {
            using var client = host.Client();
            for (var i = 0; i < 10_000 && !stop.IsCancellationRequested; i++)
            {
                var text = $"{name}-{i} ✓\r\n";
                try
                {
                    using var response = await client.PostAsync("/chat/post", new FormUrlEncodedContent([new("message", text)]), stop);
                    if (response.StatusCode != HttpStatusCode.Created) continue;
                    using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(stop));
                    acknowledged[body.RootElement.GetProperty("index").GetInt64()] = text;
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
                {
                    return; // the process is gone: an unanswered post was never acknowledged
                }
            }
        });

    [Fact]
    public async Task A_file_that_is_not_a_SQLite_database_stops_the_start_with_one_line()
    {
        await File.WriteAllTextAsync(Db, "this is not a database, it is a text file that happens to be long enough to have a header");
        var (code, stderr) = await ChildHost.FailToStartAsync(Db);
        Assert.Equal(2, code);
        Assert.Equal($"store: {Db} is not a SQLite database (or is corrupt); refusing to start", stderr);
    }

    [Fact]
    public async Task A_schema_newer_than_the_binary_stops_the_start_with_one_line()
    {
        using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Db};Pooling=false"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (99);";
            cmd.ExecuteNonQuery();
        }
        var (code, stderr) = await ChildHost.FailToStartAsync(Db);
        Assert.Equal(2, code);
        Assert.Equal($"store: {Db} has schema version 99, newer than this binary's 3; refusing to start", stderr);
    }

    [Fact]
    public async Task A_file_in_use_by_another_process_stops_the_start_with_one_line()
    {
        await using var first = await ChildHost.StartAsync(Db);
        var (code, stderr) = await ChildHost.FailToStartAsync(Db);
        Assert.Equal(2, code);
        Assert.Equal($"store: {Db} is in use by another process (lock {Db}.lock is held)", stderr);
    }

    [Fact]
    public async Task A_store_path_that_cannot_be_created_stops_the_start_with_one_line()
    {
        var blocker = Path.Combine(_folder, "a-file");
        await File.WriteAllTextAsync(blocker, "not a folder");
        var path = Path.Combine(blocker, "chat.db");
        var (code, stderr) = await ChildHost.FailToStartAsync(path);
        Assert.Equal(2, code);
        Assert.Equal($"store: cannot create {path}: the folder cannot be made", stderr);
    }
}
