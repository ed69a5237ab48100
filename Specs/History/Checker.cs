namespace Chat.Specs.History;

/// Judges a history against the model "each room is an append-only log". Pure: no I/O, no clock; each rule is a
/// function of the history alone that names the operations breaking it.
///
/// The log of a room is what the reads saw (every entry of every get, batch and stream, whatever its outcome: a
/// dropped stream still saw what it saw). The history must read every room from 0 to its end at least once (the
/// harness's audit does, from every node, after the faults are healed): <see cref="EveryIndexRead"/> says so when
/// it does not, since a post cannot be judged lost or stored twice from a log with holes in it.
/// Every logical post has a text of its own; its attempts (retries with one Idempotency-Key, or after a refusal)
/// share that text.
public static class Checker
{
    public static IReadOnlyList<Violation> Check(IReadOnlyList<Op> history)
    {
        var log = RoomLog.Of(history);
        var posts = LogicalPost.Of(history);
        var removals = LogicalRemoval.Of(history);
        return
        [
            .. EveryIndexRead(log),
            .. OneMessagePerIndex(log),
            .. AcknowledgedOnceAtItsIndex(posts, log),
            .. UnknownAtMostOnce(posts, log),
            .. RefusedNever(posts, log),
            .. NothingUnposted(posts, removals, log),
            .. FollowersInOrder(history),
            .. RealTimeOrder(posts),
            .. NextNeverGoesBack(history),
            .. RemovalIsAnEntry(removals, log),
            .. RefusedRemovalNever(removals, log),
            .. RemovedNeverServed(history, log),
            .. TrimmedNeverComesBack(history),
        ];
    }

    /// Coverage: every index below the highest one read was read by someone, or is below the room's first kept
    /// index (trimmed: nobody can read it any more).
    public static IEnumerable<Violation> EveryIndexRead(RoomLog log)
    {
        foreach (var (room, entries) in log.Rooms)
        {
            var first = (int)log.FirstOf(room);
            var missing = Enumerable.Range(first, Math.Max(0, (int)(entries.Keys.Max() + 1) - first)).Where(i => !entries.ContainsKey(i)).ToList();
            if (missing.Count > 0)
                yield return new("every index read", $"room {room}: indexes {Ranges(missing)} were never read, below {entries.Keys.Max()}", []);
        }
    }

    /// Every read of index i of a room returns the same message: the same text, and the same author and time
    /// wherever both reads show them; whoever reads it, from whichever node, before and after restarts. A removed
    /// message reads as it or as its placeholder (text and author erased, time kept); a removal, as itself.
    public static IEnumerable<Violation> OneMessagePerIndex(RoomLog log)
    {
        foreach (var (room, entries) in log.Rooms)
            foreach (var (index, seen) in entries)
            {
                var variants = seen.GroupBy(s => s.Entry).ToList();
                if (variants.Count == 1) continue;
                var listed = variants.Where(v => variants.Any(w => !Agree(v.Key, w.Key)))
                    .Select(g => (Show: Show(g.Key), Ops: g.Select(s => s.Op).ToList())).ToList();
                if (listed.Count == 0) continue;
                yield return new("one message per index",
                    $"room {room} index {index} reads as " + string.Join(" but as ", listed.Select(v => $"{v.Show} ({v.Ops.Count} reads)")),
                    [.. listed.SelectMany(v => v.Ops.Take(3))]);
            }
    }

    /// Two reads of one index that may both be true: the same kind of entry (a removal of the same message, or a
    /// message that may since have become its placeholder), the same text and author unless one is the placeholder,
    /// the same removal if both are placeholders, the same time wherever both show it.
    private static bool Agree(Entry a, Entry b)
    {
        var erased = a.RemovedBy is not null || b.RemovedBy is not null;
        return a.Removes == b.Removes
            && (a.RemovedBy is null || b.RemovedBy is null || a.RemovedBy == b.RemovedBy)
            && (erased || a.Text == b.Text)
            && (!a.Meta || !b.Meta || a.Time == b.Time && (erased || a.Author == b.Author));
    }

    /// An acknowledged post is in the log exactly once, at the index it was acknowledged with (every attempt
    /// acknowledged says the same index), with its author. Unless nobody read its text before it was removed (its
    /// index reads as a placeholder only) or trimmed (its index is below first, never read).
    public static IEnumerable<Violation> AcknowledgedOnceAtItsIndex(IReadOnlyList<LogicalPost> posts, RoomLog log)
    {
        foreach (var post in posts.Where(p => p.Acknowledged.Count > 0))
        {
            var ops = post.Attempts.Select(a => a.Id).ToList();
            var acked = post.Acknowledged.Select(a => a.Index!.Value).Distinct().ToList();
            if (acked.Count > 1) { yield return new("acknowledged once", $"room {post.Room} '{post.Text}' acknowledged at {string.Join(" and ", acked)}", ops); continue; }
            var at = acked[0];
            var found = log.IndexesOf(post.Room, post.Text);
            var there = log.At(post.Room, at);
            if (found.Count == 0 && (there.Count > 0 ? there.All(s => s.Entry.RemovedBy is not null) : at < log.FirstOf(post.Room)))
                continue;
            if (found.Count == 0)
                yield return new("acknowledged post in the log", $"room {post.Room} '{post.Text}' acknowledged at {at} is in no read{Holder(log, post.Room, at)}",
                    [.. ops, .. log.At(post.Room, at).Select(s => s.Op).Take(3)]);
            else if (!found.Contains(at))
                yield return new("acknowledged post at its index", $"room {post.Room} '{post.Text}' acknowledged at {at} was read at {string.Join(", ", found)}{Holder(log, post.Room, at)}",
                    [.. ops, .. found.SelectMany(i => log.At(post.Room, i)).Select(s => s.Op).Take(3), .. log.At(post.Room, at).Select(s => s.Op).Take(3)]);
            else if (found.Count > 1)
                yield return new("acknowledged post once", $"room {post.Room} '{post.Text}' acknowledged at {at} is also at {string.Join(", ", found.Where(i => i != at))}",
                    [.. ops, .. found.Where(i => i != at).SelectMany(i => log.At(post.Room, i)).Select(s => s.Op).Take(3)]);
            else if (log.At(post.Room, at).Where(s => s.Entry.Meta && s.Entry.Text == post.Text && s.Entry.Author != post.Author).ToList() is [var wrong, ..])
                yield return new("acknowledged post's author", $"room {post.Room} '{post.Text}' by {post.Author ?? "(anonymous)"} reads as by {wrong.Entry.Author ?? "(anonymous)"}", [.. ops, wrong.Op]);
        }
    }

    /// A post whose outcome nobody knows (no attempt acknowledged, at least one unanswered) is in the log at most once.
    public static IEnumerable<Violation> UnknownAtMostOnce(IReadOnlyList<LogicalPost> posts, RoomLog log) =>
        from post in posts
        where post.Acknowledged.Count == 0 && post.Attempts.Any(a => a.Outcome == Outcome.Unknown)
        let found = log.IndexesOf(post.Room, post.Text)
        where found.Count > 1
        select new Violation("unknown post at most once", $"room {post.Room} '{post.Text}' (outcome unknown) is at {string.Join(", ", found)}",
            [.. post.Attempts.Select(a => a.Id), .. found.SelectMany(i => log.At(post.Room, i)).Select(s => s.Op).Take(4)]);

    /// A post refused in every attempt is never in the log.
    public static IEnumerable<Violation> RefusedNever(IReadOnlyList<LogicalPost> posts, RoomLog log) =>
        from post in posts
        where post.Attempts.All(a => a.Outcome == Outcome.Failed)
        let found = log.IndexesOf(post.Room, post.Text)
        where found.Count > 0
        select new Violation("refused post never stored", $"room {post.Room} '{post.Text}' was refused ({string.Join(", ", post.Attempts.Select(a => a.Status?.ToString() ?? a.Detail))}) but is at {string.Join(", ", found)}",
            [.. post.Attempts.Select(a => a.Id), .. found.SelectMany(i => log.At(post.Room, i)).Select(s => s.Op).Take(3)]);

    /// The log holds nothing that no client posted (in that room), and no removal that no moderator asked for.
    public static IEnumerable<Violation> NothingUnposted(IReadOnlyList<LogicalPost> posts, IReadOnlyList<LogicalRemoval> removals, RoomLog log)
    {
        var posted = posts.Select(p => (p.Room, p.Text)).ToHashSet();
        var asked = removals.Select(r => (r.Room, r.Target)).ToHashSet();
        foreach (var (room, entries) in log.Rooms)
            foreach (var (index, seen) in entries)
            {
                foreach (var s in seen.Where(s => s.Entry.IsMessage).DistinctBy(s => s.Entry.Text).Where(s => !posted.Contains((room, s.Entry.Text))))
                    yield return new("nothing unposted", $"room {room} index {index} holds {Show(s.Entry)}, which no client posted", [s.Op]);
                foreach (var s in seen.Where(s => s.Entry.Removes is { } n && !asked.Contains((room, n))).DistinctBy(s => s.Entry.Removes))
                    yield return new("nothing unposted", $"room {room} index {index} holds {Show(s.Entry)}, which no moderator asked for", [s.Op]);
            }
    }

    /// Every follower (a client's reads of one room, in the order it made them) sees the log in order: each read
    /// starts where it asked, and each message comes right after the one before, with no gap and no repeat; but for
    /// a gap below a first kept index the follower was told (a 410, the seed route's Chat-First): it was trimmed.
    public static IEnumerable<Violation> FollowersInOrder(IReadOnlyList<Op> history)
    {
        foreach (var follower in history.Where(op => op.IsRead).GroupBy(op => (op.Client, op.Room)))
        {
            (long Index, long Op)? last = null;
            foreach (var read in follower.OrderBy(op => op.Start))
            {
                foreach (var entry in read.Entries ?? [])
                {
                    var expected = last is { } l ? l.Index + 1 : read.From ?? entry.Index;
                    if (entry.Index != expected)
                    {
                        var what = entry.Index > expected ? $"a gap: {expected} to {entry.Index - 1} skipped" : $"{entry.Index} again (a repeat, or out of order)";
                        yield return new("follower in order", $"{follower.Key.Client} in room {follower.Key.Room}: {what}, after {(last is { } p ? p.Index.ToString() : "the start")}",
                            last is { } prev ? [prev.Op, read.Id] : [read.Id]);
                    }
                    last = (entry.Index, read.Id);
                }
                if (read.First is { } first && (last is not { } before || before.Index + 1 < first)) last = (first - 1, read.Id);
            }
        }
    }

    /// Real-time order: a post acknowledged before another post was first sent has the lower index.
    public static IEnumerable<Violation> RealTimeOrder(IReadOnlyList<LogicalPost> posts)
    {
        foreach (var room in posts.Where(p => p.Acknowledged.Count > 0).GroupBy(p => p.Room))
        {
            var byAck = room.OrderBy(p => p.AcknowledgedAt).ToList();
            var k = 0;
            LogicalPost? highest = null;
            foreach (var b in room.OrderBy(p => p.SentAt))
            {
                for (; k < byAck.Count && byAck[k].AcknowledgedAt < b.SentAt; k++)
                    if (highest is null || byAck[k].Index > highest.Index) highest = byAck[k];
                if (highest is not null && highest.Index >= b.Index)
                    yield return new("real-time order", $"room {room.Key}: '{highest.Text}' acknowledged at {highest.Index} before '{b.Text}' was sent, which got {b.Index}",
                        [highest.Acknowledged[0].Id, b.Attempts[0].Id, b.Acknowledged[0].Id]);
            }
        }
    }

    /// A client never sees a room's `next` go back: not below a status it saw before, nor to or below an index it
    /// knows is in the log (a post or removal of its own acknowledged there, a message it read there).
    public static IEnumerable<Violation> NextNeverGoesBack(IReadOnlyList<Op> history)
    {
        foreach (var client in history.Where(op => op.Outcome == Outcome.Ok || op.Kind == OpKind.Events).GroupBy(op => (op.Client, op.Room)))
        {
            (long Next, long Op)? floor = null;
            foreach (var op in client.OrderBy(op => op.Start))
            {
                if (op.Kind == OpKind.Status && op.Next is { } next && floor is { } f && next < f.Next)
                    yield return new("next never goes back", $"{client.Key.Client} in room {client.Key.Room} saw next {next} after it knew {f.Next}", [f.Op, op.Id]);
                var known = op.Kind switch
                {
                    OpKind.Post or OpKind.Remove => op.Index + 1,
                    OpKind.Status or OpKind.Batch => op.Next,
                    OpKind.Get or OpKind.Events => op.Entries is [.., var e] ? e.Index + 1 : null,
                    _ => null,
                };
                if (known is { } n && (floor is not { } g || n > g.Next)) floor = (n, op.Id);
            }
        }
    }

    /// A removal is an entry of the log: an acknowledged removal of N reads at its index M (above N; every attempt
    /// acknowledged says the same M, since removing again answers the first removal) as the removal of N, and N
    /// reads as its message or as its placeholder by M. The log agrees with itself too: a placeholder's removal reads
    /// as the removal of it, and no message is removed by two entries.
    public static IEnumerable<Violation> RemovalIsAnEntry(IReadOnlyList<LogicalRemoval> removals, RoomLog log)
    {
        foreach (var removal in removals.Where(r => r.Acknowledged.Count > 0))
        {
            var (room, n) = (removal.Room, removal.Target);
            var ops = removal.Attempts.Select(a => a.Id).ToList();
            var acked = removal.Acknowledged.Select(a => a.Index!.Value).Distinct().ToList();
            if (acked.Count > 1) { yield return new("removal is an entry", $"room {room} the removal of {n} acknowledged at {string.Join(" and ", acked)}", ops); continue; }
            var m = acked[0];
            if (m <= n) yield return new("removal is an entry", $"room {room} the removal of {n} acknowledged at {m}, not after it", ops);
            if (log.At(room, m) is [] && m >= log.FirstOf(room))
                yield return new("removal is an entry", $"room {room} the removal of {n} acknowledged at {m} is in no read (the log is shorter)", ops);
            foreach (var s in log.At(room, m).Where(s => s.Entry.Removes != n).DistinctBy(s => s.Entry).Take(1))
                yield return new("removal is an entry", $"room {room} the removal of {n} acknowledged at {m} reads there as {Show(s.Entry)}", [.. ops, s.Op]);
            foreach (var s in log.At(room, n).Where(s => s.Entry.Removes is not null || s.Entry.RemovedBy is { } by && by != m).DistinctBy(s => s.Entry).Take(1))
                yield return new("removal is an entry", $"room {room} the removal of {n} acknowledged at {m}, yet {n} reads as {Show(s.Entry)}", [.. ops, s.Op]);
        }
        foreach (var (room, entries) in log.Rooms)
            foreach (var (index, seen) in entries)
            {
                foreach (var s in seen.Where(s => s.Entry.RemovedBy is { } m && log.At(room, m).Any(t => t.Entry.Removes != index)).DistinctBy(s => s.Entry.RemovedBy))
                    yield return new("removal is an entry", $"room {room} index {index} reads as {Show(s.Entry)}, but {s.Entry.RemovedBy} reads as {Show(log.At(room, s.Entry.RemovedBy!.Value).First(t => t.Entry.Removes != index).Entry)}",
                        [s.Op, log.At(room, s.Entry.RemovedBy!.Value).First(t => t.Entry.Removes != index).Op]);
                foreach (var s in seen.Where(s => s.Entry.Removes is { } n && (n >= index || log.RemovalsOf(room, n).Count > 1)).DistinctBy(s => s.Entry.Removes))
                    yield return new("removal is an entry", $"room {room} index {index} reads as {Show(s.Entry)}, " +
                        (s.Entry.Removes >= index ? "which is not before it" : $"which is removed at {string.Join(" and ", log.RemovalsOf(room, s.Entry.Removes!.Value))}"),
                        [s.Op, .. log.RemovalsOf(room, s.Entry.Removes!.Value).Where(i => i != index).SelectMany(i => log.At(room, i)).Select(t => t.Op).Take(2)]);
            }
    }

    /// A removal refused in every attempt (past the end, below first, not allowed, not stored) is never in the log:
    /// no removal of its message and no placeholder at it.
    public static IEnumerable<Violation> RefusedRemovalNever(IReadOnlyList<LogicalRemoval> removals, RoomLog log) =>
        from removal in removals
        where removal.Attempts.All(a => a.Outcome == Outcome.Failed)
        let stored = log.RemovalsOf(removal.Room, removal.Target).SelectMany(i => log.At(removal.Room, i))
            .Concat(log.At(removal.Room, removal.Target).Where(s => s.Entry.RemovedBy is not null)).ToList()
        where stored.Count > 0
        select new Violation("refused removal never stored",
            $"room {removal.Room} the removal of {removal.Target} was refused ({string.Join(", ", removal.Attempts.Select(a => a.Status?.ToString() ?? a.Detail))}) but reads as {Show(stored[0].Entry)} at {stored[0].Entry.Index}",
            [.. removal.Attempts.Select(a => a.Id), .. stored.Select(s => s.Op).Take(3)]);

    /// Once a node is seen to know a removal, it never serves the removed message again: no read invoked on that
    /// node after one of its operations there ended having observed the removal's index M or later (the removal's
    /// own acknowledgement, a read of M or beyond, a later post acknowledged) returns N but as its placeholder.
    /// Nodes over Redis learn a removal from the log's announcement, in order: this is what each node promises.
    /// Also, a placeholder carries neither text nor author, and a batch (one snapshot) holding M holds N as the
    /// placeholder. A stream is no snapshot: it may deliver N live, then M.
    public static IEnumerable<Violation> RemovedNeverServed(IReadOnlyList<Op> history, RoomLog log)
    {
        var byId = history.ToDictionary(op => op.Id);
        var known = history.Where(op => op.Kind == OpKind.Remove && op.Outcome == Outcome.Ok && op.Index is not null)
            .Select(op => (op.Room, N: op.Removes!.Value, M: op.Index!.Value))
            .Concat(log.Rooms.SelectMany(r => r.Value.SelectMany(i => i.Value.Where(s => s.Entry.Removes is not null).Select(s => (Room: r.Key, N: s.Entry.Removes!.Value, M: i.Key)))))
            .Distinct();
        // Each room's nodes: their operations by when they ended, with the index each observed.
        var nodes = history.Select(op => (Op: op, Seen: Observed(op))).Where(o => o.Seen is not null).GroupBy(o => o.Op.Room)
            .ToDictionary(g => g.Key, g => g.GroupBy(o => o.Op.Node).Select(n => n.OrderBy(o => o.Op.End).Select(o => (o.Op, Seen: o.Seen!.Value)).ToList()).ToList());
        var flagged = new HashSet<(long Read, long N)>();
        foreach (var (room, n, m) in known)
            foreach (var node in nodes.GetValueOrDefault(room) ?? [])
            {
                if (node.FirstOrDefault(o => o.Seen >= m) is not { Op: { } knew } first) continue;
                foreach (var (entry, id) in log.At(room, n).Where(s => s.Entry.IsMessage))
                    if (byId[id] is var read && read.Node == knew.Node && read.Start > knew.End && flagged.Add((id, n)))
                        yield return new("removed never served", $"room {room}: node {knew.Node} served {n} as '{entry.Text}' after it was seen at {first.Seen}, past its removal at {m}", [knew.Id, id]);
            }
        foreach (var (room, entries) in log.Rooms)
            foreach (var (index, seen) in entries)
                foreach (var s in seen.Where(s => s.Entry.RemovedBy is not null && (s.Entry.Text.Length > 0 || s.Entry.Author is not null)).DistinctBy(s => s.Op))
                    yield return new("removed never served", $"room {room} index {index} reads as {Show(s.Entry)}: a placeholder keeps neither text nor author", [s.Op]);
        foreach (var batch in history.Where(op => op.Kind == OpKind.Batch && op.Entries is { Count: > 1 }))
            foreach (var removal in batch.Entries!.Where(e => e.Removes is not null))
                if (batch.Entries!.FirstOrDefault(e => e.Index == removal.Removes && e.IsMessage) is { } served)
                    yield return new("removed never served", $"room {batch.Room}: one batch holds the removal of {served.Index} at {removal.Index} and {served.Index} as '{served.Text}'", [batch.Id]);
    }

    /// The highest index an operation saw in its room's log: an acknowledged post's or removal's own, the end a
    /// status or batch told, the last entry a read returned (a dropped stream still saw it). None if nothing.
    private static long? Observed(Op op)
    {
        var told = op.Outcome != Outcome.Ok ? null : op.Kind switch
        {
            OpKind.Post or OpKind.Remove => op.Index,
            OpKind.Status or OpKind.Batch => op.Next - 1,
            _ => null,
        };
        return op.IsRead && op.Entries is [_, ..] entries ? Math.Max(told ?? -1, entries.Max(e => e.Index)) : told;
    }

    /// Trimmed indexes stay gone: once an operation on a node ended having been told a room's first kept index F
    /// (a status, a 410, the seed route's Chat-First), no read invoked on that node after it returns an entry below F.
    public static IEnumerable<Violation> TrimmedNeverComesBack(IReadOnlyList<Op> history)
    {
        foreach (var node in history.GroupBy(op => (op.Room, op.Node)))
        {
            var told = node.Where(op => op.First is not null).OrderBy(op => op.End).ToList();
            if (told.Count == 0) continue;
            var k = 0;
            Op? highest = null;
            foreach (var read in node.Where(op => op.IsRead).OrderBy(op => op.Start))
            {
                for (; k < told.Count && told[k].End < read.Start; k++)
                    if (highest is null || told[k].First > highest.First) highest = told[k];
                if (highest is not null && read.Entries?.FirstOrDefault(e => e.Index < highest.First) is { } below)
                    yield return new("trimmed never comes back", $"room {node.Key.Room}: node {node.Key.Node} served index {below.Index} after it told first {highest.First}", [highest.Id, read.Id]);
            }
        }
    }

    private static string Show(Entry e) =>
        (e.Removes is { } n ? $"the removal of {n}" : e.RemovedBy is { } m ? $"the placeholder removed by {m}{(e.Text.Length > 0 ? $" with '{e.Text}'" : "")}" : $"'{e.Text}'")
        + (e.Meta ? $" by {e.Author ?? "(anonymous)"} at {e.Time ?? "(no time)"}" : "");

    private static string Holder(RoomLog log, string room, long at) =>
        log.At(room, at) is [var s, ..] ? $" (index {at} holds {Show(s.Entry)})" : $" (index {at} was never read: the log is shorter)";

    private static string Ranges(List<int> indexes) =>
        string.Join(", ", indexes.Select((v, i) => (v, g: v - i)).GroupBy(x => x.g).Select(g => g.First().v == g.Last().v ? $"{g.First().v}" : $"{g.First().v}-{g.Last().v}").Take(10));
}

/// Each room's log as the reads saw it: index → every observation of it (the entry, and the operation that saw it);
/// and the room's first kept index, the highest any answer told (below it the log was trimmed).
public sealed class RoomLog
{
    private readonly Dictionary<(string Room, string Text), SortedSet<long>> _byText = [];
    private readonly Dictionary<(string Room, long Target), SortedSet<long>> _removals = [];
    private readonly Dictionary<string, long> _first = [];

    public SortedDictionary<string, SortedDictionary<long, List<(Entry Entry, long Op)>>> Rooms { get; } = new(StringComparer.Ordinal);

    public static RoomLog Of(IEnumerable<Op> history)
    {
        var log = new RoomLog();
        foreach (var op in history)
        {
            if (op.First is { } first && first > log.FirstOf(op.Room)) log._first[op.Room] = first;
            if (!op.IsRead) continue;
            foreach (var entry in op.Entries ?? [])
            {
                if (!log.Rooms.TryGetValue(op.Room, out var room)) log.Rooms[op.Room] = room = [];
                if (!room.TryGetValue(entry.Index, out var seen)) room[entry.Index] = seen = [];
                seen.Add((entry, op.Id));
                // Placeholders and removals have no text of their own: a text's indexes are where it was posted.
                if (entry.IsMessage) Add(log._byText, (op.Room, entry.Text), entry.Index);
                if (entry.Removes is { } target) Add(log._removals, (op.Room, target), entry.Index);
            }
        }
        return log;
    }

    private static void Add<TKey>(Dictionary<TKey, SortedSet<long>> index, TKey key, long at) where TKey : notnull
    {
        if (!index.TryGetValue(key, out var set)) index[key] = set = [];
        set.Add(at);
    }

    /// Every index at which some read saw this text.
    public IReadOnlyList<long> IndexesOf(string room, string text) => _byText.TryGetValue((room, text), out var at) ? [.. at] : [];

    /// Every index at which some read saw a removal of this target.
    public IReadOnlyList<long> RemovalsOf(string room, long target) => _removals.TryGetValue((room, target), out var at) ? [.. at] : [];

    /// The room's first kept index, as far as the history knows (0: never trimmed, or never told).
    public long FirstOf(string room) => _first.GetValueOrDefault(room);

    public IReadOnlyList<(Entry Entry, long Op)> At(string room, long index) =>
        Rooms.TryGetValue(room, out var r) && r.TryGetValue(index, out var seen) ? seen : [];
}

/// One message a client meant to post once: every attempt with its text in its room.
public sealed record LogicalPost(string Room, string Text, string? Author, IReadOnlyList<Op> Attempts)
{
    public IReadOnlyList<Op> Acknowledged { get; } = [.. Attempts.Where(a => a.Outcome == Outcome.Ok && a.Index is not null)];

    /// When it was first sent, and first acknowledged.
    public long SentAt => Attempts.Min(a => a.Start);
    public long AcknowledgedAt => Acknowledged.Min(a => a.End);
    public long Index => Acknowledged[0].Index!.Value;

    public static IReadOnlyList<LogicalPost> Of(IEnumerable<Op> history) =>
        [.. history.Where(op => op.Kind == OpKind.Post && op.Text is not null)
            .GroupBy(op => (op.Room, op.Text!))
            .Select(g => new LogicalPost(g.Key.Room, g.Key.Item2, g.First().Author, [.. g.OrderBy(op => op.Start)]))];
}

/// One message moderators meant to remove: every attempt to remove index <see cref="Target"/> of a room, by anyone.
/// Removal is idempotent (a second removal answers the first's entry), so they are one removal.
public sealed record LogicalRemoval(string Room, long Target, IReadOnlyList<Op> Attempts)
{
    public IReadOnlyList<Op> Acknowledged { get; } = [.. Attempts.Where(a => a.Outcome == Outcome.Ok && a.Index is not null)];

    public static IReadOnlyList<LogicalRemoval> Of(IEnumerable<Op> history) =>
        [.. history.Where(op => op.Kind == OpKind.Remove && op.Removes is not null)
            .GroupBy(op => (op.Room, Target: op.Removes!.Value))
            .Select(g => new LogicalRemoval(g.Key.Room, g.Key.Target, [.. g.OrderBy(op => op.Start)]))];
}
