using System.Globalization;

namespace Chat.Specs.History;

/// Everything a run does, drawn from its seed alone: each client's n-th operation (its room, node, key, author,
/// limit, pause) and the nemesis's faults (when, which, where, how long). What the service answers changes only how
/// far down its plan a client gets (and how many attempts a post takes); the plan itself is the same for the same
/// seed, so a run is replayed by its seed. Draws use a hash of their own (FNV-1a), never string.GetHashCode,
/// which .NET randomizes per process.
public sealed class Plan(int seed, Topology topology, TimeSpan length)
{
    public int Seed { get; } = seed;
    public Topology Topology { get; } = topology;
    public TimeSpan Length { get; } = length;

    /// Over a Redis Cluster the two rooms are on two masters: `{chat}` hashes to slot 14028 and `{lobby}` to 10294,
    /// which `redis-cli --cluster create` gives to its third master (10923-16383) and its second (5461-10922).
    public static readonly string[] Rooms = ["chat", "lobby"];

    public int Nodes => Topology == Topology.Solo ? 1 : 3;

    /// A generator for one decision: the same (seed, who, n) gives the same draws in every run.
    public Random For(string who, long n) => new(unchecked((int)Fnv($"{Seed}/{who}/{n.ToString(CultureInfo.InvariantCulture)}")));

    private static uint Fnv(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text) hash = unchecked((hash ^ c) * 16777619u);
        return hash;
    }

    public sealed record PostPlan(string Room, string Text, string? Key, string? Author, int[] Nodes, TimeSpan Pause, bool StatusAfter);

    /// A poster's n-th post: its text is its own (the checker tells posts apart by text); the node of each attempt.
    public PostPlan Post(string client, long n)
    {
        var r = For(client, n);
        var room = Rooms[r.Next(Rooms.Length)];
        var key = r.Next(10) < 6 ? $"{client}-{n}" : null;
        var author = r.Next(3) switch { 0 => null, 1 => $"Ann {client}", _ => $"Zoë {client} ✓" };
        var text = r.Next(4) == 0 ? $"{client}-{n} « ünïcode » ✓" : $"{client}-{n}";
        var nodes = Enumerable.Range(0, 8).Select(_ => r.Next(Nodes)).ToArray();
        return new PostPlan(room, text, key, author, nodes, TimeSpan.FromMilliseconds(r.Next(0, 40)), StatusAfter: r.Next(4) == 0);
    }

    public enum Aim { Newest, Any, PastEnd, BelowFirst }

    /// How far past a room's end a removal meant to be refused aims: more entries than the room gets in a removal's
    /// attempts (~60 posts a second at most, for at most ~40 s).
    public const long PastEndMargin = 10_000;

    /// Where a removal aims: <see cref="Where"/> (0..1) places it in its aim's range of the room as a status told it.
    public sealed record RemovePlan(string Room, Aim Aim, double Where, int[] Nodes, TimeSpan Pause)
    {
        /// The index to remove, from the room's first and next: one of the three newest (perhaps before any follower
        /// read it), any kept one, one of three well past the end (404), one below first (410; index 0 while nothing is).
        /// Well past: a removal aimed right at the end could land on another moderator's removal appended meanwhile,
        /// and the contract does not say what removing a removal is.
        public long Target(long first, long next) => Aim switch
        {
            Aim.Newest => Math.Max(first, next - 1 - (long)(Where * 3)),
            Aim.Any => first + (long)(Where * (next - first)),
            Aim.PastEnd => next + PastEndMargin + (long)(Where * 3),
            _ => (long)(Where * first),
        };
    }

    /// A moderator's n-th removal: its room, its aim, the node of its status and of each attempt. The index itself
    /// follows from the status answered (a plan cannot know the room's end).
    public RemovePlan Remove(string client, long n)
    {
        var r = For(client, n);
        var room = Rooms[r.Next(Rooms.Length)];
        var aim = r.Next(20) switch { 0 => Aim.PastEnd, 1 => Aim.BelowFirst, < 11 => Aim.Newest, _ => Aim.Any };
        return new RemovePlan(room, aim, r.NextDouble(), [.. Enumerable.Range(0, 8).Select(_ => r.Next(Nodes))], TimeSpan.FromMilliseconds(r.Next(100, 400)));
    }

    /// <see cref="Lag"/>: now and then a follower looks away for seconds, long enough for retention to trim what it
    /// has not read yet (it then meets a 410, or the seed route's Chat-First).
    public sealed record ReadPlan(int Node, int Limit, int Events, TimeSpan For, TimeSpan Pause, TimeSpan Lag = default);

    /// A follower's n-th read: which node it asks, a batch's limit, how long a stream connection is kept.
    public ReadPlan Read(string client, long n)
    {
        var r = For(client, n);
        return new ReadPlan(r.Next(Nodes), r.Next(1, 50), r.Next(5, 80), TimeSpan.FromMilliseconds(r.Next(500, 4000)), TimeSpan.FromMilliseconds(r.Next(0, 30)),
            r.Next(40) == 0 ? TimeSpan.FromMilliseconds(r.Next(2000, 4000)) : TimeSpan.Zero);
    }

    /// Which room a follower follows: the rooms in turn, by the follower's number (s0, s1, b0, ...).
    public static string RoomOf(string follower) => Rooms[int.Parse(follower.TrimStart('s', 'b', 'e', 't'), CultureInfo.InvariantCulture) % Rooms.Length];

    public enum FaultKind { Kill, Terminate, Unwritable, KillLinks, PauseRedis, RestartRedis, KillMaster, Reshard }

    /// <see cref="Room"/>: the room whose slot a Redis Cluster fault strikes (its master killed, or the slot moved).
    public sealed record Fault(TimeSpan At, FaultKind Kind, int Node, TimeSpan For, string? Room = null)
    {
        public override string ToString() => $"{At.TotalSeconds:F1}s {Kind}{Where} for {For.TotalSeconds:F1}s";

        private string Where => Kind switch
        {
            FaultKind.PauseRedis or FaultKind.RestartRedis => "",
            FaultKind.KillMaster or FaultKind.Reshard => $" room {Room}",
            _ => $" node {Node}",
        };
    }

    /// The faults a topology's nemesis draws from.
    public static FaultKind[] Menu(Topology topology) => topology switch
    {
        Topology.Solo => [FaultKind.Kill, FaultKind.Terminate, FaultKind.Unwritable],
        Topology.Shared => [FaultKind.Kill, FaultKind.KillLinks, FaultKind.PauseRedis, FaultKind.RestartRedis],
        _ => [FaultKind.Kill, FaultKind.KillLinks, FaultKind.KillMaster, FaultKind.Reshard],
    };

    /// The nemesis's schedule: a fault every few seconds from the topology's menu, the last one healed well before
    /// the end of the load.
    public IReadOnlyList<Fault> Faults()
    {
        var r = For("nemesis", 0);
        var menu = Menu(Topology);
        var faults = new List<Fault>();
        var at = TimeSpan.FromSeconds(1.5 + r.NextDouble() * 2);
        while (true)
        {
            var kind = menu[r.Next(menu.Length)];
            var length = kind switch
            {
                FaultKind.PauseRedis => TimeSpan.FromSeconds(2.5 + r.NextDouble() * 1.5), // longer than the nodes' Redis timeouts (2 s)
                FaultKind.KillLinks => TimeSpan.Zero,
                FaultKind.KillMaster => TimeSpan.FromSeconds(2.5 + r.NextDouble() * 1.5), // a failover takes ~2 s (node timeout 1 s)
                FaultKind.Reshard => TimeSpan.FromSeconds(0.5 + r.NextDouble() * 1.5),    // how long the slot's keys are split
                _ => TimeSpan.FromSeconds(0.2 + r.NextDouble() * 2.5),
            };
            if (at + length + TimeSpan.FromSeconds(3) > Length) break;
            // A room is drawn for the cluster's faults alone, so that the other topologies' seeds plan what they did.
            faults.Add(new Fault(at, kind, r.Next(Nodes), length, kind is FaultKind.KillMaster or FaultKind.Reshard ? Rooms[r.Next(Rooms.Length)] : null));
            at += length + TimeSpan.FromSeconds(1.5 + r.NextDouble() * 3); // a restart takes ~1.5 s more
        }
        return faults;
    }

    /// The plan's opening, to print and to compare: the faults and each client's first operations.
    public string Describe(IEnumerable<string> posters, IEnumerable<string> followers, int first = 3) =>
        $"seed {Seed}, {Topology}, {Length.TotalSeconds:F0} s\n  faults: {string.Join("; ", Faults())}\n" +
        string.Join("\n", posters.Select(p => $"  {p}: " + string.Join("; ", Enumerable.Range(0, first).Select(n => Post(p, n)).Select(x =>
            $"{x.Room} '{x.Text}'{(x.Key is null ? "" : " keyed")} on n{x.Nodes[0]}")))) + "\n" +
        string.Join("\n", followers.Select(f => $"  {f} ({RoomOf(f)}): " + string.Join("; ", Enumerable.Range(0, first).Select(n => Read(f, n)).Select(x => $"n{x.Node}"))));
}

/// Solo: one node on SQLite. Shared: three nodes over one redis-server. Sharded: three nodes over a Redis Cluster of
/// three masters with a replica each.
public enum Topology { Solo, Shared, Sharded }
