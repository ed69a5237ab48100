using Chat.Core.Values;
using StackExchange.Redis;

namespace Chat.Host.Rooms;

/// Presence over several nodes, kept in Redis with expiry rather than summed by hand: every <see cref="Every"/>
/// each node writes the clients here in each of its rooms into the sorted set `chat:{room}:here` (member: the
/// client, score: when it stops counting unless written again), and the names into `chat:{room}:names` (member:
/// client TAB name). A room's count is the set's live members, each client once whichever nodes it polls; a client
/// gone from every node drops out within the grace and two rounds.
public sealed class SharedHere(IConnectionMultiplexer redis, RoomDirectory rooms, TimeProvider clock) : IHereBoard
{
    public static readonly TimeSpan Every = TimeSpan.FromMilliseconds(250);
    private static readonly long Lasts = (long)(2 * Every).TotalMilliseconds;
    private readonly IDatabase _db = redis.GetDatabase();

    private static RedisKey HereKey(RoomName room) => $"chat:{{{room}}}:here";
    private static RedisKey NamesKey(RoomName room) => $"chat:{{{room}}}:names";
    private long NowMs => clock.GetUtcNow().ToUnixTimeMilliseconds();

    public void Start(CancellationToken stopping) => _ = PublishAsync(stopping);

    private async Task PublishAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(Every);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                if (!redis.IsConnected) continue;
                var until = NowMs + Lasts;
                var batch = _db.CreateBatch();
                var writes = new List<Task>();
                foreach (var room in rooms.Loaded())
                {
                    if (room.Presence.IsEmpty) continue;
                    var (clients, names) = room.Presence.Snapshot();
                    if (clients.Count > 0)
                    {
                        writes.Add(batch.SortedSetAddAsync(HereKey(room.Name), [.. clients.Select(c => new SortedSetEntry(c.ToString(), until))]));
                        writes.Add(batch.KeyExpireAsync(HereKey(room.Name), TimeSpan.FromMinutes(1)));
                    }
                    if (names.Count > 0)
                    {
                        writes.Add(batch.SortedSetAddAsync(NamesKey(room.Name), [.. names.Select(n => new SortedSetEntry($"{n.Key}\t{n.Value}", until))]));
                        writes.Add(batch.KeyExpireAsync(NamesKey(room.Name), TimeSpan.FromMinutes(1)));
                    }
                }
                batch.Execute();
                try { await Task.WhenAll(writes).ConfigureAwait(false); } catch (RedisException) { } // the link blipped: next round
            }
        }
        catch (OperationCanceledException) { }
    }

    /// Every node's clients (this node's own at once, the others' as last written), each counted once.
    public async Task<Here> HereAsync(RoomLoop room)
    {
        var (clients, names) = room.Presence.Snapshot();
        var all = clients.Select(c => c.ToString()).ToHashSet();
        var shown = names.ToDictionary(n => n.Key.ToString(), n => n.Value);
        try
        {
            var now = NowMs;
            var here = _db.SortedSetRangeByScoreAsync(HereKey(room.Name), now, double.PositiveInfinity, Exclude.Start);
            var named = _db.SortedSetRangeByScoreAsync(NamesKey(room.Name), now, double.PositiveInfinity, Exclude.Start);
            foreach (var member in await here.ConfigureAwait(false)) all.Add((string)member!);
            foreach (var member in await named.ConfigureAwait(false))
                if (((string)member!).Split('\t', 2) is [var client, var name]) shown.TryAdd(client, name);
        }
        catch (RedisException) { } // Redis away: this node's own count, rather than none
        return Here.Of(all, shown);
    }
}
