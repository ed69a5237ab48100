using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Options;
using LanguageExt;
using StackExchange.Redis;
using static LanguageExt.Prelude;

namespace Chat.Host.Storage.Redis;

/// Rooms shared by every node through one Redis or a Redis Cluster. A room is a list `chat:{room}:log`: RPUSH's
/// answer is the index, assigned atomically, the same on every node. A Lua script appends, remembers the idempotency
/// key and announces the entry on the room's sharded channel `chat:{room}:appended` (SPUBLISH) in one step, so an
/// acknowledged post is in the log before any node can deliver it. Every key and channel of a room carries the room
/// as a hash tag: in a cluster a room lives on one shard and every script stays single-slot. A node subscribes
/// (SSUBSCRIBE) only to the rooms it has loaded (<see cref="FollowAsync"/>).
/// An entry is the message with its author and time (<see cref="LogEntry"/>); a retry of a key is the same post
/// when its text is the same.
public sealed class RedisStore : IMessageStore, ISharedLog
{
    /// The room list (`GET /rooms`, the retention sweep, erasure), one sorted set. It is on no room's slot, so the
    /// append script cannot write it in a cluster: <see cref="ListAsync"/> adds the room after its append, one more
    /// command (a ZADD of a member already there changes nothing). What that costs: a node that crashes (or loses its
    /// link) between a room's first append and its ZADD leaves the room unlisted until its next post on a node that has
    /// not listed it yet; every node's first post to a room since it started waits one more round trip; and in a
    /// cluster every such ZADD goes to the one shard holding this key.
    private const string RoomsKey = "chat:rooms";

    /// Lua for an entry's fields (see <see cref="LogEntry"/>): `fields(entry)` answers time, author, removes, removed-by, text.
    /// A raw literal ends without its last line break: the scripts put one after it, or `end` runs into their first word.
    private const string Fields = """
        local function fields(entry)
          if not entry then return nil end
          local b = string.byte(entry, 1)
          if b == 255 then
            local _, _, time, author, text = string.find(entry, '^\255([^\n]*)\n([^\n]*)\n(.*)$')
            return time, author, '', '', text
          elseif b == 254 then
            local _, _, time, author, removes, by, text = string.find(entry, '^\254([^\n]*)\n([^\n]*)\n([^\n]*)\n([^\n]*)\n(.*)$')
            return time, author, removes, by, text
          end
          return '', '', '', '', entry
        end
        """;

    /// Lua for the end of what may be read: `visible(first)` answers the next index no node may see yet. With
    /// <see cref="RedisOptions.Replicas"/> (`fenced`), entries past `chat:{room}:acked` are in the log but not yet known
    /// to be on a replica: no node reads, announces or delivers them, so a failover cannot take back what a node served.
    /// A room without the key (never posted to while fenced) shows everything.
    private const string Visible = """
        local function visible(first)
          local next = first + redis.call('LLEN', @log)
          if @fenced == '' then return next end
          local acked = redis.call('GET', @ackedKey)
          if acked then return math.min(next, tonumber(acked)) end
          return next
        end
        """;

    /// Appends (or answers a retried key, or a removal already done), remembers the key and announces the entry. A
    /// removal also overwrites its target with a placeholder, in the same step. Indexes are the list's positions plus
    /// the room's first kept index (`first`, what retention trimmed). Answers {index, 0}, or {index, 1} for a key
    /// conflict, {next, 2} for a removal past the end, {first, 3} for one below the first kept index.
    /// Fenced, it announces nothing (<see cref="PublishScript"/> does, once a replica holds the entry) and always writes
    /// `acked` (the same value): WAIT counts this link's last write, which must come after the entry, a retried one too.
    private static readonly LuaScript AppendScript = LuaScript.Prepare(Fields + "\n" + Visible + "\n" + """
        local first = tonumber(redis.call('GET', @firstKey) or '0')
        local next = visible(first)
        if @fenced ~= '' then redis.call('SET', @ackedKey, next) end
        if @key ~= '' then
          local seen = redis.call('GET', @keyKey)
          if seen then
            local at = tonumber(seen)
            if at < first then return {at, 0} end
            local _, _, _, by, text = fields(redis.call('LINDEX', @log, at - first))
            if text == @text or by ~= '' then return {at, 0} end -- removed since: nothing left to compare
            return {at, 1}
          end
        end
        local target, old = nil, nil
        if @removes ~= '' then
          target = tonumber(@removes)
          local next = first + redis.call('LLEN', @log)
          if target >= next then return {next, 2} end
          if target < first then return {first, 3} end
          old = redis.call('LINDEX', @log, target - first)
          local _, _, _, by = fields(old)
          if by ~= '' then return {tonumber(by), 0} end
        end
        local at = redis.call('RPUSH', @log, @entry) - 1 + first
        if target then
          local time = fields(old)
          redis.call('LSET', @log, target - first, '\254' .. time .. '\n\n\n' .. at .. '\n')
        end
        if @key ~= '' then
          redis.call('SET', @keyKey, at, 'EX', @ttl)
          if @tracked ~= '' then redis.call('ZADD', @keysKey, at, @key) end
        end
        if @fenced == '' then redis.call('SPUBLISH', @channel, @room .. '\n' .. at .. '\n' .. @entry) end
        return {at, 0}
        """);

    /// Fenced, once a replica holds the entry at `at`: every entry up to it may be read (a replica receives the log in
    /// order), and it is announced, as stored.
    private static readonly LuaScript PublishScript = LuaScript.Prepare("""
        local first = tonumber(redis.call('GET', @firstKey) or '0')
        local at = tonumber(@at)
        if at + 1 > tonumber(redis.call('GET', @ackedKey) or '0') then redis.call('SET', @ackedKey, at + 1) end
        if at < first then return 0 end
        local entry = redis.call('LINDEX', @log, at - first)
        if entry then redis.call('SPUBLISH', @channel, @room .. '\n' .. at .. '\n' .. entry) end
        return 1
        """);

    /// Reads from an index on, or nothing when it is below the first kept index: one step, so a trim cannot move the
    /// list between reading `first` and the range.
    private static readonly LuaScript ReadScript = LuaScript.Prepare(Visible + "\n" + """
        local first = tonumber(redis.call('GET', @firstKey) or '0')
        local from = tonumber(@from)
        local next = visible(first)
        if from < first or from >= next then return {} end
        return redis.call('LRANGE', @log, from - first, math.min(from + tonumber(@limit), next) - first - 1)
        """);

    /// {first kept index, next index}.
    private static readonly LuaScript BoundsScript = LuaScript.Prepare(Visible + "\n" + """
        local first = tonumber(redis.call('GET', @firstKey) or '0')
        return {first, visible(first)}
        """);

    /// Retention: drops entries from the head while the count is over `keep` (-1: no count) or the entry is older
    /// than `since` (Unix ms, 0: no age; an entry without a time is older than any); answers the first kept index. The
    /// idempotency keys of the entries dropped (a retained room's keys are listed by index in `keys`) live on for
    /// `grace` seconds at most, so a post retried just after its entry was trimmed still answers its index. Never
    /// what may not be read yet (fenced): those entries are not in the count.
    private static readonly LuaScript TrimScript = LuaScript.Prepare(Fields + "\n" + Visible + "\n" + """
        local first = tonumber(redis.call('GET', @firstKey) or '0')
        local len = visible(first) - first
        local keep, since = tonumber(@keep), tonumber(@since)
        local drop = 0
        if keep >= 0 and len > keep then drop = len - keep end
        if since > 0 then
          while drop < len do
            local time = fields(redis.call('LINDEX', @log, drop))
            if time ~= '' and tonumber(time) >= since then break end
            drop = drop + 1
          end
        end
        if drop == 0 then return first end
        redis.call('LTRIM', @log, drop, -1)
        redis.call('SET', @firstKey, first + drop)
        for _, key in ipairs(redis.call('ZRANGEBYSCORE', @keysKey, '-inf', '(' .. (first + drop))) do
          redis.call('EXPIRE', @keyPrefix .. key, @grace, 'LT')
        end
        redis.call('ZREMRANGEBYSCORE', @keysKey, '-inf', '(' .. (first + drop))
        return first + drop
        """);

    private readonly ConnectionMultiplexer _redis;
    private readonly ISubscriber _subscriber;
    private readonly IDatabase _db;
    private readonly TimeSpan _keyWindow;
    private readonly TimeSpan _trimmedKeyWindow;
    private readonly Func<RoomName, bool> _retained;
    private readonly TimeSpan _rewriteEvery;
    private readonly int _replicas;
    private readonly TimeSpan _replicaTimeout;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<System.Net.EndPoint, ReplicaWait> _waits = new();

    /// The scripts' `fenced` argument: non-empty when a post waits for replicas (see <see cref="Visible"/>).
    private string Fenced => _replicas > 0 ? "1" : "";

    /// <paramref name="retained"/>: whether a retention rule names a room; its idempotency keys are then listed by index
    /// so that a trim shortens their lives to `Redis:TrimmedKeyWindow` (else they would outlive their entries by
    /// `Redis:KeyWindow`).
    public RedisStore(RedisOptions options, Func<RoomName, bool>? retained = null)
    {
        _retained = retained ?? (_ => false);
        try
        {
            var config = ConfigurationOptions.Parse(options.Configuration!);
            config.AbortOnConnectFail = false; // a node may start before Redis; it reports not-ready meanwhile
            // While the link is down a post fails at once (503, retry) instead of waiting in a backlog for
            // the link: the client decides whether to wait, and no request hangs on Redis.
            config.BacklogPolicy = BacklogPolicy.FailFast;
            config.AllowAdmin = options.RewriteAofEvery > TimeSpan.Zero; // BGREWRITEAOF after an erasure
            _redis = ConnectionMultiplexer.Connect(config);
        }
        catch (Exception e) when (e is ArgumentException or RedisException)
        {
            throw new StoreStartException($"redis: bad configuration '{options.Configuration}': {e.Message}", e);
        }
        _db = _redis.GetDatabase();
        _keyWindow = options.KeyWindow;
        _trimmedKeyWindow = options.TrimmedKeyWindow;
        _rewriteEvery = options.RewriteAofEvery;
        _replicas = options.Replicas;
        _replicaTimeout = options.ReplicaTimeout;
        _subscriber = _redis.GetSubscriber();
        _redis.ConnectionRestored += (_, e) => { if (e.ConnectionType == ConnectionType.Subscription) Reconnected?.Invoke(); };
    }

    /// The one link to Redis, for what else the nodes share through it (presence).
    public IConnectionMultiplexer Connection => _redis;

    public event Action<string, MessageIndex, Message>? Appended;
    public event Action? Reconnected;
    public bool IsConnected => _redis.IsConnected;

    private static RedisKey Log(RoomName room) => $"chat:{{{room}}}:log";
    private static RedisKey KeyKey(RoomName room, IdempotencyKey key) => $"chat:{{{room}}}:key:{key}";
    private static string ChannelName(RoomName room) => $"chat:{{{room}}}:appended";
    private static RedisChannel Channel(RoomName room) => RedisChannel.Sharded(ChannelName(room));
    private static RedisKey FirstKey(RoomName room) => $"chat:{{{room}}}:first";
    private static RedisKey KeysKey(RoomName room) => $"chat:{{{room}}}:keys";
    private static RedisKey AckedKey(RoomName room) => $"chat:{{{room}}}:acked";

    /// `room LF index LF entry`: the room and index are ASCII, the entry is bytes (see <see cref="LogEntry"/>).
    private void Announce(RedisValue announcement)
    {
        ReadOnlySpan<byte> bytes = (byte[])announcement!;
        var roomEnd = bytes.IndexOf((byte)'\n');
        if (roomEnd < 0) return;
        var atEnd = bytes[(roomEnd + 1)..].IndexOf((byte)'\n');
        if (atEnd < 0 || !long.TryParse(bytes.Slice(roomEnd + 1, atEnd), out var at)) return;
        Appended?.Invoke(System.Text.Encoding.ASCII.GetString(bytes[..roomEnd]), new MessageIndex(at), LogEntry.Decode(bytes[(roomEnd + atEnd + 2)..]));
    }

    public async Task<Reply> AppendAsync(RoomName room, Message message, Option<IdempotencyKey> key)
    {
        var master = _replicas > 0 ? MasterOf(room) : null;
        var result = (RedisResult[])(await _db.ScriptEvaluateAsync(AppendScript, new
        {
            log = Log(room),
            keyKey = key.Match(k => KeyKey(room, k), () => (RedisKey)$"chat:{{{room}}}:nokey"),
            keysKey = KeysKey(room),
            ackedKey = AckedKey(room),
            fenced = Fenced,
            tracked = _retained(room) ? "1" : "",
            firstKey = FirstKey(room),
            key = key.Match(k => k.Value, () => ""),
            text = message.Text.Value,
            removes = message.Removes.Match(i => i.ToString(), () => ""),
            entry = LogEntry.Encode(message),
            ttl = (long)_keyWindow.TotalSeconds,
            room = room.Value,
            channel = ChannelName(room),
        }))!;
        var at = new MessageIndex((long)result[0]);
        var answer = (long)result[1] switch
        {
            0 => new Reply.Posted(at),
            1 => new Reply.KeyConflict(at),
            2 => new Reply.Ahead(message.Removes.IfNone(at), at),
            _ => (Reply)new Reply.Gone(message.Removes.IfNone(at), at),
        };
        if (answer is not Reply.Posted) return answer;
        if (_replicas > 0) await ReplicatedAsync(room, master, at).ConfigureAwait(false);
        await ListAsync(room).ConfigureAwait(false);
        if (message.Removes.IsSome) Erased();
        return answer;
    }

    /// The master serving the room's slot, as the multiplexer's slot map says (no round trip: IdentifyEndpoint would
    /// ask Redis, synchronously, blocking a pool thread per post); null when none is known.
    private System.Net.EndPoint? MasterOf(RoomName room)
    {
        try
        {
            return _redis.GetServer(Log(room), flags: CommandFlags.DemandMaster).EndPoint;
        }
        catch (RedisException)
        {
            return null;
        }
    }

    /// Fenced: waits until <see cref="RedisOptions.Replicas"/> replicas hold the entry (`WAIT`, on the link to the
    /// master that ran the script: WAIT counts that link's writes; one at a time per link, see <see cref="ReplicaWait"/>),
    /// then lets it be read and announces it. Anything short of that is <see cref="NotReplicatedException"/>: the entry
    /// is in the log, and may or may not survive a failover, so the post's outcome is unknown.
    private async Task ReplicatedAsync(RoomName room, System.Net.EndPoint? master, MessageIndex at)
    {
        // No master known, or the slot moved between the two (resharding, failover): WAIT would count another link's writes.
        if (master is null || !master.Equals(MasterOf(room)))
            throw new NotReplicatedException($"{room}: its master was unknown or changed while the post was appended");
        try
        {
            var got = await _waits.GetOrAdd(master, m => new ReplicaWait(_redis.GetServer(m), _replicas, _replicaTimeout)).WaitAsync().ConfigureAwait(false);
            if (got < _replicas) throw new NotReplicatedException($"{room}: {got} of {_replicas} replicas hold index {at} after {_replicaTimeout.TotalMilliseconds} ms");
            await _db.ScriptEvaluateAsync(PublishScript, new
            {
                log = Log(room),
                firstKey = FirstKey(room),
                ackedKey = AckedKey(room),
                at = at.Value,
                room = room.Value,
                channel = ChannelName(room),
            }).ConfigureAwait(false);
        }
        catch (RedisException e)
        {
            throw new NotReplicatedException($"{room}: index {at} appended, then: {e.Message}", e);
        }
    }

    /// Rooms this node has added to <see cref="RoomsKey"/> since it started (nothing removes a room from it), so that
    /// only a room's first post here pays the ZADD. Cleared when it grows past a bound: memory stays bounded, and a
    /// room forgotten is listed again (a ZADD that changes nothing) at its next post.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _listed = new(StringComparer.Ordinal);
    private const int ListedBound = 100_000;

    /// Adds the room to the room list after its append (see <see cref="RoomsKey"/>). A failure here does not fail the
    /// post, which is stored and announced (a 503 would invite an unkeyed retry to post it twice, and "not stored"
    /// would be false): the room stays unlisted until this node's next post to it.
    private async Task ListAsync(RoomName room)
    {
        if (_listed.ContainsKey(room.Value)) return;
        try
        {
            await _db.SortedSetAddAsync(RoomsKey, room.Value, 0).ConfigureAwait(false);
        }
        catch (RedisException)
        {
            return;
        }
        if (_listed.Count >= ListedBound) _listed.Clear();
        _listed.TryAdd(room.Value, 0);
    }

    /// Subscribes to the room's announcements; completes once the subscription is in effect (so an entry appended
    /// after that is announced here; read the log after this for what came before). Disposing unsubscribes this
    /// follower alone: the channel stays subscribed while another (the room loaded again meanwhile) still follows it.
    public async Task<IDisposable> FollowAsync(RoomName room)
    {
        var channel = Channel(room);
        Action<RedisChannel, RedisValue> handler = (_, message) => Announce(message);
        await _subscriber.SubscribeAsync(channel, handler).ConfigureAwait(false);
        return new Unfollow(() => _subscriber.Unsubscribe(channel, handler, CommandFlags.FireAndForget));
    }

    private sealed class Unfollow(Action unsubscribe) : IDisposable
    {
        private int _done;
        public void Dispose() { if (Interlocked.Exchange(ref _done, 1) == 0) unsubscribe(); }
    }

    private long _lastRewrite = long.MinValue / 2; // Environment.TickCount64 when the last rewrite was started
    private int _rewriteWanted; // 1: an erasure came after the last rewrite was started
    private int _rewriting; // 1 while RewriteAsync runs

    /// The erased text is still in the append-only file's history until Redis rewrites it: ask for that, at most once
    /// per <see cref="RedisOptions.RewriteAofEvery"/> (a rewrite copies the whole dataset). An erasure that comes sooner
    /// is rewritten when the interval is up, and one that comes while a rewrite runs (whose snapshot may hold its text)
    /// once that rewrite is over: dropping either left its text in the file until some later erasure, if one came.
    private void Erased()
    {
        if (_rewriteEvery <= TimeSpan.Zero) return;
        Volatile.Write(ref _rewriteWanted, 1);
        if (Interlocked.CompareExchange(ref _rewriting, 1, 0) == 0) _ = RewriteAsync();
    }

    private async Task RewriteAsync()
    {
        while (true)
        {
            while (Interlocked.Exchange(ref _rewriteWanted, 0) == 1)
            {
                var wait = Interlocked.Read(ref _lastRewrite) + (long)_rewriteEvery.TotalMilliseconds - Environment.TickCount64;
                if (wait > 0) await Task.Delay(TimeSpan.FromMilliseconds(wait)).ConfigureAwait(false);
                IServer[] servers;
                try
                {
                    servers = _redis.GetServers();
                }
                catch (ObjectDisposedException)
                {
                    return; // the node is stopping
                }
                // Every server: a cluster's masters and replicas each keep an append-only file, and any may hold the text.
                var answers = await Task.WhenAll(servers.Select(RewriteAsync)).ConfigureAwait(false);
                // The interval counts from a rewrite started anywhere: a server that must be asked again (its own
                // rewrite running, or no link) waits for it with the others, not just for Retry.
                if (answers.Contains(Rewrite.Started)) Interlocked.Exchange(ref _lastRewrite, Environment.TickCount64);
                if (answers.Contains(Rewrite.Stopping)) return;
                if (answers.Contains(Rewrite.Again))
                {
                    Volatile.Write(ref _rewriteWanted, 1);
                    await Task.Delay(Retry).ConfigureAwait(false);
                }
            }
            Volatile.Write(ref _rewriting, 0);
            // An erasure that came after the last look but saw this task still running did not start one: start again.
            if (Volatile.Read(ref _rewriteWanted) == 0 || Interlocked.CompareExchange(ref _rewriting, 1, 0) != 0) return;
        }
    }

    private enum Rewrite { Started, Refused, Again, Stopping }

    private static async Task<Rewrite> RewriteAsync(IServer server)
    {
        try
        {
            await server.ExecuteAsync("BGREWRITEAOF").ConfigureAwait(false);
            return Rewrite.Started;
        }
        catch (RedisServerException e) when (!e.Message.Contains("in progress", StringComparison.Ordinal))
        {
            // Refused for good (the command renamed, say): asking again would be refused again; the next erasure asks.
            return Rewrite.Refused;
        }
        catch (RedisException)
        {
            // One already running (its snapshot may predate the erasure), or no link: ask again after a while.
            return Rewrite.Again;
        }
        catch (ObjectDisposedException)
        {
            return Rewrite.Stopping;
        }
    }

    /// How long to wait before asking again when a rewrite runs already (or the link is down).
    private TimeSpan Retry => _rewriteEvery < TimeSpan.FromSeconds(1) ? _rewriteEvery : TimeSpan.FromSeconds(1);

    public async Task<Seq<Message>> ReadAsync(RoomName room, MessageIndex from, int limit) => limit <= 0 ? Seq<Message>() :
        toSeq(((RedisResult[])(await _db.ScriptEvaluateAsync(ReadScript, new { log = Log(room), firstKey = FirstKey(room), ackedKey = AckedKey(room), fenced = Fenced, from = from.Value, limit }).ConfigureAwait(false))!)
            .Select(v => LogEntry.Decode((byte[])v!))).Strict();

    public async Task<MessageIndex> FirstAsync(RoomName room) => (await BoundsAsync(room).ConfigureAwait(false)).First;

    private async Task<(MessageIndex First, MessageIndex Next)> BoundsAsync(RoomName room)
    {
        var bounds = (RedisResult[])(await _db.ScriptEvaluateAsync(BoundsScript, new { log = Log(room), firstKey = FirstKey(room), ackedKey = AckedKey(room), fenced = Fenced }).ConfigureAwait(false))!;
        return (new MessageIndex((long)bounds[0]), new MessageIndex((long)bounds[1]));
    }

    public async Task<MessageIndex> TrimAsync(RoomName room, Keep keep, DateTimeOffset now)
    {
        var before = await FirstAsync(room).ConfigureAwait(false);
        var first = new MessageIndex((long)(await _db.ScriptEvaluateAsync(TrimScript, new
        {
            log = Log(room),
            firstKey = FirstKey(room),
            ackedKey = AckedKey(room),
            fenced = Fenced,
            keysKey = KeysKey(room),
            keyPrefix = $"chat:{{{room}}}:key:",
            keep = keep.Last ?? -1,
            since = keep.For is { } age ? (now - age).ToUnixTimeMilliseconds() : 0,
            grace = (long)_trimmedKeyWindow.TotalSeconds,
        }).ConfigureAwait(false)));
        if (first > before) Erased();
        return first;
    }

    public async Task<Seq<MessageIndex>> ByAuthorAsync(RoomName room, AuthorName author)
    {
        var (from, next) = await BoundsAsync(room).ConfigureAwait(false);
        var found = new List<MessageIndex>();
        for (var at = from; at < next; at = at.Plus(1000))
        {
            var page = await ReadAsync(room, at, 1000).ConfigureAwait(false);
            found.AddRange(page.Select((m, i) => (m, i)).Where(x => x.m.Author == author && x.m.Removes.IsNone && x.m.RemovedBy.IsNone).Select(x => at.Plus(x.i)));
            if (page.IsEmpty) break; // trimmed meanwhile
        }
        return toSeq(found);
    }

    /// Only a command the client never wrote to the socket (no link, under FailFast; still queued), or one a cluster
    /// refused without running it (its slot migrating, moved or unserved), is known not to have run: a timeout or a
    /// dropped link after it was sent leaves the script's outcome unknown (a Redis stopped with SIGSTOP runs it once it
    /// is resumed), and so does anything after it ran (<see cref="NotReplicatedException"/>).
    public bool FailedBeforeSending(Exception error) => error switch
    {
        RedisTimeoutException t => t.Commandstatus is CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog,
        RedisConnectionException c => c.CommandStatus is CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog,
        RedisServerException s => NotRun.Any(prefix => s.Message.StartsWith(prefix, StringComparison.Ordinal)),
        _ => false,
    };

    /// Errors saying a command was refused before it ran: the cluster's (its specification), and a write sent to a
    /// former master that is a replica now (after a failover, before the node learned of it).
    private static readonly string[] NotRun = ["TRYAGAIN", "CLUSTERDOWN", "MOVED", "ASK", "READONLY"];

    public async Task<MessageIndex> CountAsync(RoomName room) => (await BoundsAsync(room).ConfigureAwait(false)).Next;

    /// A trim between the two reads leaves the recent entries read from the new first on (fewer of them), and the
    /// first index read low; the room learns the new one at the next sweep, and reads below it find nothing.
    public async Task<RoomState> RestoreAsync(RoomName room, RoomLimits limits)
    {
        var (first, count) = await BoundsAsync(room).ConfigureAwait(false);
        var from = Math.Max(first.Value, count.Value - limits.WindowCount);
        var recent = await ReadAsync(room, new MessageIndex(from), (int)(count.Value - from)).ConfigureAwait(false);
        return RoomState.Restore(limits, count.Plus(recent.Count - (count.Value - from)), recent, Seq<(IdempotencyKey, KeyEntry)>(), first).AsSharedLog();
    }

    public void Write(IReadOnlyList<Append> batch) =>
        throw new NotSupportedException("with a shared log, posts are appended by the log, never persisted by a node");

    /// A page of room names, then every room's count, the LLENs sent at once (one round trip, not one per room).
    public async Task<Seq<(RoomName Room, MessageIndex Next)>> RoomsAsync(string after, int limit)
    {
        var names = await _db.SortedSetRangeByValueAsync(RoomsKey, after == "" ? default : (RedisValue)after, default, Exclude.Start, Order.Ascending, 0, limit).ConfigureAwait(false);
        var rooms = names.Select(n => RoomName.Parse((string)n!)).Rights().ToList();
        var bounds = await Task.WhenAll(rooms.Select(BoundsAsync)).ConfigureAwait(false);
        return toSeq(rooms.Zip(bounds, (room, b) => (room, b.Next))).Strict();
    }

    public void Dispose() => _redis.Dispose();
}

/// A post was appended, but not (known to be) held by the replicas <see cref="RedisOptions.Replicas"/> asks for.
public sealed class NotReplicatedException(string message, Exception? inner = null) : Exception(message, inner);
