using System.Net;
using System.Text.Json;

namespace Chat.Specs.Http;

/// Two real Host processes over a real Redis Cluster (three masters, three replicas, started by the spec): rooms on
/// different masters, each announced on its own sharded channel, reach the other node's held polls; numbering stays
/// dense per room; a removal works; the room list names rooms from every shard. The nodes' periodic catch-up is set to
/// a minute, so that a held poll answered within the bound was answered by the announcement, not by the sweep.
public sealed class RedisClusterSpecs
{
    private static readonly string Moderator = Tokens.Moderator(["*"]);
    private const int PostsPerRoom = 10;

    private static string[] Settings(RedisCluster cluster) =>
    [
        $"--Redis:Configuration={cluster.Configuration}", $"--Auth:SigningKey={Tokens.Key}", "--Redis:CatchUpEvery=00:01:00",
        "--Redis:RewriteAofEvery=00:00:00.100",
        "--Chat:PollTimeout=00:00:30",
    ];

    /// One room on each master: room names whose `chat:{room}:log` slot is served by a master no earlier room is on.
    private static async Task<List<string>> RoomsOnEveryMasterAsync(RedisCluster cluster)
    {
        var rooms = new List<string>();
        var masters = new HashSet<int>();
        for (var i = 0; masters.Count < 3; i++)
        {
            Assert.True(i < 100, "no three rooms on three masters among 100 names");
            var room = $"room{i}";
            if (masters.Add(await cluster.MasterOfAsync($"chat:{{{room}}}:log"))) rooms.Add(room);
        }
        return rooms;
    }

    /// The text of a room's i-th post; the one at 1 is removed, and must then leave every file.
    private string Text(string room, int i) => i == 1 ? $"{room}-secret-{_run}" : $"{room}-{i}";

    private readonly string _run = Guid.NewGuid().ToString("N");

    /// The files of any cluster node (append-only files and their manifests) whose bytes hold the text.
    private static List<string> FilesHolding(RedisCluster cluster, string text) =>
        [.. cluster.Folders.SelectMany(folder => Disk.FilesHolding(folder, text).Select(file => Path.Combine(folder, file)))];

    private static Task UntilNoFileHoldsAsync(RedisCluster cluster, string text) =>
        Wire.UntilAsync(() => Task.FromResult(FilesHolding(cluster, text)), holding => holding.Count == 0,
            holding => $"'{text}' is still in {string.Join(", ", holding)}");

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static async Task<long> PostAsync(HttpClient client, string room, string text)
    {
        using var posted = await client.PostAsync($"/rooms/{room}/post", new FormUrlEncodedContent([new("message", text)])).WaitAsync(Wire.Bound);
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        return (await JsonOf(posted)).GetProperty("index").GetInt64();
    }

    [Fact]
    public async Task Posts_on_one_node_reach_polls_held_on_the_other_in_rooms_on_every_shard()
    {
        await using var cluster = await RedisCluster.StartAsync();
        using var folder = new TempFolder("chat-cluster-");
        await using var a = await ChildHost.StartAsync(folder.File("a.db"), Settings(cluster));
        await using var b = await ChildHost.StartAsync(folder.File("b.db"), Settings(cluster));
        using var onA = a.Client();
        using var onB = b.Client();
        var rooms = await RoomsOnEveryMasterAsync(cluster);
        var nodes = new[] { onA, onB };

        // Every post, alternating the nodes, is awaited by a poll held on the other node before it is sent.
        for (var i = 0; i < PostsPerRoom; i++)
            foreach (var room in rooms)
            {
                var (poster, follower) = (nodes[i % 2], nodes[1 - i % 2]);
                var held = follower.GetTextAsync($"/rooms/{room}/get/{i}");
                await follower.UntilHeldAsync(1, room);
                Assert.Equal(i, await PostAsync(poster, room, Text(room, i)));
                Assert.Equal((HttpStatusCode.OK, Text(room, i)), await held.WaitAsync(TimeSpan.FromSeconds(5)));
            }

        // Dense numbering per room, and the same on both nodes.
        foreach (var node in nodes)
            foreach (var room in rooms)
            {
                var items = (await node.GetFromJsonAsync<JsonElement>($"/rooms/{room}/messages?from=0")).GetProperty("messages").EnumerateArray().ToList();
                Assert.Equal(Enumerable.Range(0, PostsPerRoom).Select(i => (long)i), items.Select(m => m.GetProperty("index").GetInt64()));
                Assert.Equal(Enumerable.Range(0, PostsPerRoom).Select(i => Text(room, i)), items.Select(m => m.GetProperty("text").GetString()));
            }

        // A removal on A, in a room on each shard, reaches a poll held on B, and its text leaves the append-only files
        // of the shard's master and replica once they are rewritten.
        foreach (var room in rooms) Assert.NotEmpty(FilesHolding(cluster, Text(room, 1)));
        foreach (var room in rooms)
        {
            var held = onB.GetFromJsonAsync<JsonElement>($"/rooms/{room}/messages?from={PostsPerRoom}");
            await onB.UntilHeldAsync(1, room);
            await UntilHereAsync(onA, room, 1); // presence, written by B into the room's own shard, read by A
            using var removed = await onA.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/rooms/{room}/messages/1").With(Moderator)).WaitAsync(Wire.Bound);
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
            Assert.Equal(PostsPerRoom, (await JsonOf(removed)).GetProperty("removal").GetInt64());
            var entry = Assert.Single((await held.WaitAsync(TimeSpan.FromSeconds(5))).GetProperty("messages").EnumerateArray());
            Assert.Equal(PostsPerRoom, entry.GetProperty("index").GetInt64());
            Assert.Equal(1, entry.GetProperty("removes").GetInt64());
            using var seed = await onB.GetAsync($"/rooms/{room}/get/1").WaitAsync(Wire.Bound);
            Assert.Equal("", await seed.Content.ReadAsStringAsync());
            Assert.Equal(PostsPerRoom.ToString(), seed.Headers.Single("Chat-Removed-By"));
        }
        foreach (var room in rooms) await UntilNoFileHoldsAsync(cluster, Text(room, 1));

        // The room list names the rooms of every shard, each with its count, on either node.
        foreach (var node in nodes)
        {
            var listed = (await node.GetFromJsonAsync<JsonElement>("/rooms")).GetProperty("rooms").EnumerateArray()
                .Select(r => (r.GetProperty("room").GetString(), r.GetProperty("next").GetInt64())).ToList();
            Assert.Equal(rooms.Order(StringComparer.Ordinal).Select(r => ((string?)r, (long)PostsPerRoom + 1)), listed);
        }
    }

    private static Task UntilHereAsync(HttpClient client, string room, int count) =>
        Wire.UntilAsync(async () => (await client.GetFromJsonAsync<JsonElement>($"/rooms/{room}")).GetProperty("here").GetProperty("count").GetInt32(),
            here => here == count, here => $"{here} here in {room}, expected {count}");

    /// Announcements lost with the link (every server told to drop a subscriber at its first byte of output, as one
    /// whose output buffer overflows is dropped) while rooms on every shard get a post: the polls held on the other
    /// node are answered by the read of the log every room makes once its link is back, well before the minute's sweep.
    [Fact]
    public async Task Polls_held_across_a_drop_of_the_subscription_links_are_answered()
    {
        await using var cluster = await RedisCluster.StartAsync();
        using var folder = new TempFolder("chat-cluster-drop-");
        await using var a = await ChildHost.StartAsync(folder.File("a.db"), Settings(cluster));
        await using var b = await ChildHost.StartAsync(folder.File("b.db"), [.. Settings(cluster), "--Logging:LogLevel:Default=Information"]);
        using var onA = a.Client();
        using var onB = b.Client();
        var rooms = await RoomsOnEveryMasterAsync(cluster);
        foreach (var room in rooms) Assert.Equal(0, await PostAsync(onA, room, $"{room}-0"));
        var held = new List<Task<(HttpStatusCode, string)>>();
        foreach (var room in rooms)
        {
            held.Add(onB.GetTextAsync($"/rooms/{room}/get/1"));
            await onB.UntilHeldAsync(1, room);
        }

        foreach (var port in cluster.Ports) Assert.Equal("OK", await RedisCluster.CliAsync(port, "CONFIG", "SET", "client-output-buffer-limit", "pubsub 1 1 0"));
        // Past Redis's 16 kB reply buffer, so that the announcement is output the limit counts.
        string Long(string room) => $"{room}-1-" + new string('x', 20_000);
        foreach (var room in rooms) Assert.Equal(1, await PostAsync(onA, room, Long(room)));
        await Task.Delay(500);
        foreach (var port in cluster.Ports) Assert.Equal("OK", await RedisCluster.CliAsync(port, "CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60"));

        var answers = await Task.WhenAll(held).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(rooms.Select(r => (HttpStatusCode.OK, Long(r))), answers);
        Assert.Contains("The shared log is back", b.Stdout); // the link did drop
    }

    /// The history's cluster faults (Specs/History) do what they say. A key's slot is known without asking; a slot
    /// moved with its keys, a batch at a time, is then served by the new master everywhere, with every key; a master
    /// killed is replaced by its replica, and started again on its folder it rejoins as that one's replica, holding what
    /// was written meanwhile.
    [Fact]
    public async Task A_slot_moves_with_its_keys_and_a_killed_master_rejoins_as_the_replica_of_its_successor()
    {
        await using var cluster = await RedisCluster.StartAsync();
        foreach (var key in new[] { "chat:{chat}:log", "chat:{lobby}:log", "no-tag", "{}empty-tag", "a{b}c{d}", "{ü}" })
            Assert.Equal(await cluster.CliAsync("CLUSTER", "KEYSLOT", key), RedisCluster.SlotOf(key).ToString());
        Assert.Equal((14028, 10294), (RedisCluster.SlotOf("chat:{chat}:log"), RedisCluster.SlotOf("chat:{lobby}:log")));

        const int Keys = 25; // three batches
        var slot = RedisCluster.SlotOf("{moved}");
        for (var i = 0; i < Keys; i++) Assert.Equal("OK", await cluster.CliAsync("SET", $"{{moved}}:{i}", $"v{i}"));
        var source = await cluster.MasterOfSlotAsync(slot);
        var target = (await cluster.MastersAsync()).First(port => port != source);
        Assert.Equal(Keys, await cluster.MoveSlotAsync(slot, target, TimeSpan.FromMilliseconds(300)));
        Assert.Equal(target, await cluster.MasterOfSlotAsync(slot));
        Assert.Equal("0", await RedisCluster.CliAsync(source, "CLUSTER", "COUNTKEYSINSLOT", slot.ToString()));
        Assert.Equal(Keys.ToString(), await RedisCluster.CliAsync(target, "CLUSTER", "COUNTKEYSINSLOT", slot.ToString()));
        Assert.Equal("v7", await RedisCluster.CliAsync(source, "GET", "{moved}:7")); // redirected to the target

        var replica = await cluster.ReplicaOfAsync(target);
        await cluster.KillAsync(target);
        await cluster.UntilServedByAsync(slot, replica);
        Assert.Equal("OK", await cluster.CliAsync("SET", "{moved}:after", "failover"));
        await cluster.RestartAsync(target);
        var replication = await RedisCluster.CliAsync(target, "INFO", "replication");
        Assert.Contains("role:slave", replication);
        Assert.Contains($"master_port:{replica}", replication);
        Assert.Equal(replica, await cluster.MasterOfSlotAsync(slot));
        Assert.Equal((Keys + 1).ToString(), await RedisCluster.CliAsync(target, "CLUSTER", "COUNTKEYSINSLOT", slot.ToString()));
    }

    /// How many clients subscribe to the room's sharded channel, over every node of the cluster.
    private static async Task<int> SubscribersAsync(RedisCluster cluster, string room)
    {
        var total = 0;
        foreach (var port in cluster.Ports)
            total += int.Parse((await RedisCluster.CliAsync(port, "PUBSUB", "SHARDNUMSUB", $"chat:{{{room}}}:appended")).Split('\n')[^1]);
        return total;
    }

    private static Task UntilSubscribersAsync(RedisCluster cluster, string room, int count) =>
        Wire.UntilAsync(() => SubscribersAsync(cluster, room), now => now == count, now => $"{now} subscribers to {room}'s channel, expected {count}");

    /// A node hears only the rooms it has loaded: it subscribes to a room's channel when it loads the room, and
    /// unsubscribes when the room unloads (here: one room at most, so naming a second unloads the first, idle).
    [Fact]
    public async Task A_node_subscribes_to_the_rooms_it_has_loaded_and_unsubscribes_when_one_unloads()
    {
        await using var cluster = await RedisCluster.StartAsync();
        using var folder = new TempFolder("chat-cluster-subs-");
        await using var node = await ChildHost.StartAsync(folder.File("node.db"), [.. Settings(cluster), "--Chat:MaxRooms=1"]);
        using var client = node.Client();
        var rooms = await RoomsOnEveryMasterAsync(cluster);
        var (first, second) = (rooms[0], rooms[1]);
        Assert.Equal(0, await SubscribersAsync(cluster, first));

        Assert.Equal(0, await PostAsync(client, first, "one"));
        await UntilSubscribersAsync(cluster, first, 1);
        Assert.Equal(0, await SubscribersAsync(cluster, second));

        // The directory is full: the first room is asked to unload, and the second is loaded once it has.
        var deadline = DateTime.UtcNow + Wire.Bound;
        while (true)
        {
            using var posted = await client.PostAsync($"/rooms/{second}/post", new FormUrlEncodedContent([new("message", "two")])).WaitAsync(Wire.Bound);
            if (posted.StatusCode == HttpStatusCode.Created) break;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, posted.StatusCode);
            Assert.True(DateTime.UtcNow < deadline, "the second room was never loaded");
            await Task.Delay(200);
        }
        await UntilSubscribersAsync(cluster, second, 1);
        await UntilSubscribersAsync(cluster, first, 0);
    }
}
