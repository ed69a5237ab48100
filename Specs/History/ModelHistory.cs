using System.Globalization;

namespace Chat.Specs.History;

/// Histories of a correct service, made without one: concurrent clients against a simulated append-only log per
/// room. Each operation takes effect at one instant between its start and its end (its linearization point), so
/// operations overlap as they do over HTTP, and whatever the log answered there is what the client records. Posts
/// are acknowledged, refused, or left unknown (stored or not), retried with their key; followers read one by one,
/// in batches and as streams; a moderator removes messages (an entry of its own, the message left a placeholder),
/// some past the end or already trimmed; retention trims r1 now and then, and readers below its first are told it;
/// an audit reads every room from its first to its end. Nodes are drawn at random: a linearizable log is right on
/// every node. The checker must find nothing in these.
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

    /// A room's log: every entry since 0 (placeholders in place of removed messages), and the first kept index.
    private sealed class Log
    {
        public List<Entry> Entries { get; } = [];
        public int First;

        /// Where each text was stored: a removal erases the text, not the key's memory of its index.
        public Dictionary<string, int> Stored { get; } = [];

        public int Count => Entries.Count;

        /// The kept entries from an index on.
        public IEnumerable<Entry> From(long index) => Entries.Skip((int)index);
    }

    public static List<Op> Generate(int seed, int operations)
    {
        var random = new Random(seed);
        var log = Rooms.ToDictionary(r => r, _ => new Log());
        var clients = new List<Client>();
        for (var p = 0; p < 4; p++) clients.Add(new Client($"p{p}", new Random(random.Next())));
        foreach (var (kind, n) in new[] { ("s", 2), ("b", 2), ("e", 2), ("st", 1), ("m", 1) })
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
            var op = client.Name[0] switch
            {
                'p' => Poster(client, shell, log),
                'm' => Moderator(client, shell, log),
                's' when client.Name.StartsWith("st", StringComparison.Ordinal) => Status(client, shell, log[client.Room], client.Room),
                's' => Get(client, shell, log[client.Room]),
                'b' => Batch(client, shell, log[client.Room]),
                _ => Events(client, shell, log[client.Room]),
            };
            history.Add(op with { Node = random.Next(2) });
            // Retention: now and then r1 keeps only its newest 0 to 40 entries (a sweep between two operations).
            if (random.Next(100) == 0) log["r1"].First = Math.Max(log["r1"].First, log["r1"].Count - random.Next(0, 40));
        }
        var end0 = shells.Max(s => s.End) + 1000;
        foreach (var node in new[] { 0, 1 })
            foreach (var room in Rooms)
                history.AddRange(Audit($"audit-n{node}", node, room, log[room], ref end0));
        return [.. history.OrderBy(op => op.Start).Select((op, i) => op with { Id = i })];
    }

    private static Op Poster(Client c, Shell s, Dictionary<string, Log> log)
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
        var stored = room.Stored.GetValueOrDefault(attempt.Text!, -1);
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

    /// A moderator looks at its room's status twice as often as it removes: a removal of a message (perhaps removed
    /// already: the same entry answers), of one past the end (404) or trimmed (410); acknowledged, refused, or
    /// unknown (stored or not) and then tried again.
    private static Op Moderator(Client c, Shell s, Dictionary<string, Log> log)
    {
        if (c.Retry is null && c.Random.Next(3) != 0) return Status(c, s, log[c.Room], c.Room);
        Op attempt;
        if (c.Retry is { } retry)
        {
            attempt = retry with { Start = s.Start, End = s.End };
            c.Retry = null;
        }
        else
        {
            c.Room = Rooms[c.Random.Next(Rooms.Length)];
            var choice = log[c.Room];
            var roll = c.Random.Next(20);
            // Past the end, trimmed, one of the newest (perhaps before anyone read it), or any kept message.
            var target = roll == 0 || choice.Count == choice.First ? choice.Count + c.Random.Next(3)
                : roll == 1 && choice.First > 0 ? c.Random.Next(choice.First)
                : Enumerable.Range(0, 5).Select(_ => roll < 10 ? Math.Max(choice.First, choice.Count - 1 - c.Random.Next(3)) : c.Random.Next(choice.First, choice.Count))
                    .FirstOrDefault(i => choice.Entries[i].Removes is null, choice.Count);
            attempt = new Op
            {
                Client = c.Name,
                Kind = OpKind.Remove,
                Room = c.Room,
                Start = s.Start,
                End = s.End,
                Removes = target,
                Author = c.Random.Next(2) == 0 ? null : $"Mod {c.Name}",
            };
        }
        var room = log[attempt.Room];
        var n = (int)attempt.Removes!.Value;
        if (n >= room.Count) return attempt with { Outcome = Outcome.Failed, Status = 404, Detail = "Not found" };
        if (n < room.First) return attempt with { Outcome = Outcome.Failed, Status = 410, Detail = "Gone", First = room.First };
        var outcome = c.Random.Next(100);
        if (outcome < 85) return attempt with { Outcome = Outcome.Ok, Status = 200, Index = Remove(room, n, attempt.Author, s.At) };
        if (outcome < 96)
        {
            if (outcome < 91) Remove(room, n, attempt.Author, s.At); // stored, but the answer was lost
            c.Retry = attempt;
            return attempt with { Outcome = Outcome.Unknown, Detail = "timeout" };
        }
        return attempt with { Outcome = Outcome.Failed, Status = 503, Detail = "Not stored" };
    }

    /// Removes message n: a removal entry appended, n's text and author erased; removed already, the same entry.
    private static long Remove(Log room, int n, string? moderator, long at)
    {
        if (room.Entries[n].RemovedBy is { } by) return by;
        room.Entries.Add(new Entry(room.Count, "", moderator, Time(at), Removes: n));
        room.Entries[n] = room.Entries[n] with { Text = "", Author = null, RemovedBy = room.Count - 1 };
        return room.Count - 1;
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

    private static long Append(Log room, Op post, long at)
    {
        room.Stored[post.Text!] = room.Count;
        room.Entries.Add(new Entry(room.Count, post.Text!, post.Author, Time(at)));
        return room.Count - 1;
    }

    private static string Time(long micros) =>
        new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(micros * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// Below first, the seed route answers an empty 200 with Chat-First, and the follower goes on from there.
    private static Op Get(Client c, Shell s, Log room)
    {
        var op = new Op { Client = c.Name, Kind = OpKind.Get, Room = c.Room, Start = s.Start, End = s.End, From = c.Next, Outcome = Outcome.Ok };
        if (c.Next < room.First)
        {
            c.Next = room.First;
            return op with { Status = 200, Entries = [], First = room.First };
        }
        if (c.Next >= room.Count) return op with { Status = 204, Entries = [] };
        var e = room.Entries[(int)c.Next++];
        return op with { Status = 200, Entries = [e with { Author = null, Time = null, Meta = false }] };
    }

    /// Below first, a batch or a stream is 410 Gone with first, and the follower goes on from there.
    private static Op? Gone(Client c, Shell s, Log room, OpKind kind)
    {
        if (c.Next >= room.First) return null;
        var from = c.Next;
        c.Next = room.First;
        return new Op
        {
            Client = c.Name,
            Kind = kind,
            Room = c.Room,
            Start = s.Start,
            End = s.End,
            From = from,
            Outcome = Outcome.Failed,
            Status = 410,
            Detail = "Gone",
            First = room.First,
        };
    }

    private static Op Batch(Client c, Shell s, Log room)
    {
        if (Gone(c, s, room, OpKind.Batch) is { } gone) return gone;
        var from = c.Next;
        var entries = room.From(from).Take(c.Random.Next(1, 20)).ToList();
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

    private static Op Events(Client c, Shell s, Log room)
    {
        if (Gone(c, s, room, OpKind.Events) is { } gone) return gone;
        var from = c.Next;
        var entries = room.From(from).ToList();
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

    private static Op Status(Client c, Shell s, Log room, string name) =>
        new() { Client = c.Name, Kind = OpKind.Status, Room = name, Start = s.Start, End = s.End, Outcome = Outcome.Ok, Status = 200, First = room.First, Next = room.Count };

    private static IEnumerable<Op> Audit(string client, int node, string room, Log log, ref long clock)
    {
        var ops = new List<Op> { new() { Client = client, Node = node, Kind = OpKind.Status, Room = room, Start = clock, End = clock + 100, Outcome = Outcome.Ok, Status = 200, First = log.First, Next = log.Count } };
        for (var from = log.First; from < log.Count; from += 100)
        {
            clock += 200;
            var page = log.From(from).Take(100).ToList();
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
