using System.Globalization;

namespace Chat.Specs.History;

/// Histories of a correct service, made without one: concurrent clients against a simulated append-only log per
/// room. Each operation takes effect at one instant between its start and its end (its linearization point), so
/// operations overlap as they do over HTTP, and whatever the log answered there is what the client records. Posts
/// are acknowledged, refused, or left unknown (stored or not), retried with their key; followers read one by one,
/// in batches and as streams; an audit reads every room to its end. The checker must find nothing in these.
public static class ModelHistory
{
    public static readonly string[] Rooms = ["r0", "r1"];

    private sealed record Shell(string Client, long Start, long At, long End);

    private sealed class Client(string name, Random random)
    {
        public string Name { get; } = name;
        public Random Random { get; } = random;
        public long Clock;
        public long Next;          // a follower's next index
        public string Room = "r0"; // a follower's room
        public Op? Retry;          // a poster's attempt to send again (its key's outcome unknown)
        public int Posted;
        public bool StatusNext;    // a poster reads the room's status after an acknowledgement
    }

    public static List<Op> Generate(int seed, int operations)
    {
        var random = new Random(seed);
        var log = Rooms.ToDictionary(r => r, _ => new List<Entry>());
        var clients = new List<Client>();
        for (var p = 0; p < 4; p++) clients.Add(new Client($"p{p}", new Random(random.Next())));
        foreach (var (kind, n) in new[] { ("s", 2), ("b", 2), ("e", 1), ("st", 1) })
            for (var i = 0; i < n; i++) clients.Add(new Client($"{kind}{i}", new Random(random.Next())) { Room = Rooms[i % Rooms.Length] });

        // Every client's operations as shells (times only), then their effects in the order of their instants.
        var shells = new List<Shell>();
        foreach (var client in clients)
            for (var k = 0; k < operations / clients.Count; k++)
            {
                var start = client.Clock + client.Random.Next(0, 3000);
                var end = start + client.Random.Next(200, 8000);
                shells.Add(new Shell(client.Name, start, start + client.Random.Next(1, (int)(end - start)), end));
                client.Clock = end;
            }
        var byName = clients.ToDictionary(c => c.Name);
        var history = new List<Op>();
        foreach (var shell in shells.OrderBy(s => s.At))
        {
            var client = byName[shell.Client];
            history.Add(client.Name[0] switch
            {
                'p' => Poster(client, shell, log),
                's' when client.Name.StartsWith("st", StringComparison.Ordinal) => Status(client, shell, log[client.Room], client.Room),
                's' => Get(client, shell, log[client.Room]),
                'b' => Batch(client, shell, log[client.Room]),
                _ => Events(client, shell, log[client.Room]),
            });
        }
        var end0 = shells.Max(s => s.End) + 1000;
        foreach (var node in new[] { 0, 1 })
            foreach (var room in Rooms)
                history.AddRange(Audit($"audit-n{node}", node, room, log[room], ref end0));
        return [.. history.OrderBy(op => op.Start).Select((op, i) => op with { Id = i })];
    }

    private static Op Poster(Client c, Shell s, Dictionary<string, List<Entry>> log)
    {
        if (c.StatusNext)
        {
            c.StatusNext = false;
            return Status(c, s, log[c.Room], c.Room);
        }
        Op attempt;
        if (c.Retry is { } retry)
        {
            attempt = retry with { Start = s.Start, End = s.End };
            c.Retry = null;
        }
        else
        {
            c.Room = Rooms[c.Random.Next(Rooms.Length)];
            var n = c.Posted++;
            attempt = new Op
            {
                Client = c.Name,
                Kind = OpKind.Post,
                Room = c.Room,
                Start = s.Start,
                End = s.End,
                Text = $"{c.Name}-{n}",
                Author = n % 3 == 0 ? null : $"Ann {c.Name}",
                Key = n % 2 == 0 ? $"{c.Name}-{n}" : null,
            };
        }
        var room = log[attempt.Room];
        var stored = room.FindIndex(e => e.Text == attempt.Text);
        var roll = c.Random.Next(100);
        if (stored >= 0 && attempt.Key is not null) // a retry of a key already stored answers its index
            return Acknowledged(c, attempt, stored);
        if (roll < 80) return Acknowledged(c, attempt, Append(room, attempt, s.At));
        if (roll < 88)
        {
            Append(room, attempt, s.At); // stored, but the answer was lost
            return Unknown(c, attempt);
        }
        if (roll < 95) return Unknown(c, attempt); // lost before it was stored
        return attempt with { Outcome = Outcome.Failed, Status = 503, Detail = "Not stored" };
    }

    private static Op Acknowledged(Client c, Op attempt, long index)
    {
        c.StatusNext = c.Random.Next(4) == 0;
        return attempt with { Outcome = Outcome.Ok, Status = 201, Index = index };
    }

    private static Op Unknown(Client c, Op attempt)
    {
        if (attempt.Key is not null) c.Retry = attempt;
        return attempt with { Outcome = Outcome.Unknown, Detail = "timeout" };
    }

    private static long Append(List<Entry> room, Op post, long at)
    {
        room.Add(new Entry(room.Count, post.Text!, post.Author, Time(at)));
        return room.Count - 1;
    }

    private static string Time(long micros) =>
        new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(micros * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static Op Get(Client c, Shell s, List<Entry> room)
    {
        var op = new Op { Client = c.Name, Kind = OpKind.Get, Room = c.Room, Start = s.Start, End = s.End, From = c.Next, Outcome = Outcome.Ok };
        if (c.Next >= room.Count) return op with { Status = 204, Entries = [] };
        var e = room[(int)c.Next++];
        return op with { Status = 200, Entries = [e with { Author = null, Time = null, Meta = false }] };
    }

    private static Op Batch(Client c, Shell s, List<Entry> room)
    {
        var from = c.Next;
        var entries = room.Skip((int)from).Take(c.Random.Next(1, 20)).ToList();
        c.Next += entries.Count;
        return new Op
        {
            Client = c.Name,
            Kind = OpKind.Batch,
            Room = c.Room,
            Start = s.Start,
            End = s.End,
            From = from,
            Next = c.Next,
            Outcome = Outcome.Ok,
            Status = entries.Count == 0 ? 204 : 200,
            Entries = entries,
        };
    }

    private static Op Events(Client c, Shell s, List<Entry> room)
    {
        var from = c.Next;
        var entries = room.Skip((int)from).ToList();
        c.Next += entries.Count;
        var dropped = c.Random.Next(3) == 0;
        return new Op
        {
            Client = c.Name,
            Kind = OpKind.Events,
            Room = c.Room,
            Start = s.Start,
            End = s.End,
            From = from,
            Status = 200,
            Outcome = dropped ? Outcome.Unknown : Outcome.Ok,
            Detail = dropped ? "dropped" : null,
            Entries = entries,
        };
    }

    private static Op Status(Client c, Shell s, List<Entry> room, string name) =>
        new() { Client = c.Name, Kind = OpKind.Status, Room = name, Start = s.Start, End = s.End, Outcome = Outcome.Ok, Status = 200, Next = room.Count };

    private static IEnumerable<Op> Audit(string client, int node, string room, List<Entry> log, ref long clock)
    {
        var ops = new List<Op> { new() { Client = client, Node = node, Kind = OpKind.Status, Room = room, Start = clock, End = clock + 100, Outcome = Outcome.Ok, Status = 200, Next = log.Count } };
        for (var from = 0; from < log.Count; from += 100)
        {
            clock += 200;
            var page = log.Skip(from).Take(100).ToList();
            ops.Add(new Op
            {
                Client = client,
                Node = node,
                Kind = OpKind.Batch,
                Room = room,
                Start = clock,
                End = clock + 100,
                From = from,
                Next = from + page.Count,
                Outcome = Outcome.Ok,
                Status = 200,
                Entries = page,
            });
        }
        clock += 200;
        return ops;
    }
}
