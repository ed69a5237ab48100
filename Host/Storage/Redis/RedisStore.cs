using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Options;
using LanguageExt;
using StackExchange.Redis;
using static LanguageExt.Prelude;

namespace Chat.Host.Storage.Redis;

/// Rooms shared by every node through one Redis. A room is a list `chat:{room}:log`: RPUSH's answer is the
/// index, assigned atomically, the same on every node. A Lua script appends, remembers the idempotency key
/// and announces the entry on `chat:appended` in one step, so an acknowledged post is in the log before any
/// node can deliver it. Keys carry the room as a hash tag, so a Redis Cluster would keep each room on one shard.
/// An entry is the message with its author and time (<see cref="LogEntry"/>); a retry of a key is the same post
/// when its text is the same.
public sealed class RedisStore : IMessageStore, ISharedLog
{
    private const string Channel = "chat:appended";
    private const string RoomsKey = "chat:rooms";

    private static readonly LuaScript AppendScript = LuaScript.Prepare("""
        local function text_of(entry)
          if entry and string.byte(entry, 1) == 255 then
            local _, _, text = string.find(entry, '^\255[^\n]*\n[^\n]*\n(.*)$')
            return text
          end
          return entry
        end
        if @key ~= '' then
          local seen = redis.call('GET', @keyKey)
          if seen then
            local at = tonumber(seen)
            if text_of(redis.call('LINDEX', @log, at)) == @text then return {at, 0} end
            return {at, 1}
          end
        end
        local at = redis.call('RPUSH', @log, @entry) - 1
        if @key ~= '' then redis.call('SET', @keyKey, at, 'EX', @ttl) end
        redis.call('ZADD', @rooms, 0, @room)
        redis.call('PUBLISH', @channel, @room .. '\n' .. at .. '\n' .. @entry)
        return {at, 0}
        """);

    private readonly ConnectionMultiplexer _redis;
    private readonly IDatabase _db;
    private readonly TimeSpan _keyWindow;

    public RedisStore(RedisOptions options)
    {
        try
        {
            var config = ConfigurationOptions.Parse(options.Configuration!);
            config.AbortOnConnectFail = false; // a node may start before Redis; it reports not-ready meanwhile
            // While the link is down a post fails at once (503, retry) instead of waiting in a backlog for
            // the link: the client decides whether to wait, and no request hangs on Redis.
            config.BacklogPolicy = BacklogPolicy.FailFast;
            _redis = ConnectionMultiplexer.Connect(config);
        }
        catch (Exception e) when (e is ArgumentException or RedisException)
        {
            throw new StoreStartException($"redis: bad configuration '{options.Configuration}': {e.Message}", e);
        }
        _db = _redis.GetDatabase();
        _keyWindow = options.KeyWindow;
        _redis.GetSubscriber().Subscribe(RedisChannel.Literal(Channel), (_, message) => Announce(message));
        _redis.ConnectionRestored += (_, e) => { if (e.ConnectionType == ConnectionType.Subscription) Reconnected?.Invoke(); };
    }

    /// The one link to Redis, for what else the nodes share through it (presence).
    public IConnectionMultiplexer Connection => _redis;

    public event Action<string, MessageIndex, Message>? Appended;
    public event Action? Reconnected;
    public bool IsConnected => _redis.IsConnected;

    private static RedisKey Log(RoomName room) => $"chat:{{{room}}}:log";
    private static RedisKey KeyKey(RoomName room, IdempotencyKey key) => $"chat:{{{room}}}:key:{key}";

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
        var result = (RedisResult[])(await _db.ScriptEvaluateAsync(AppendScript, new
        {
            log = Log(room),
            keyKey = key.Match(k => KeyKey(room, k), () => (RedisKey)$"chat:{{{room}}}:nokey"),
            rooms = (RedisKey)RoomsKey,
            key = key.Match(k => k.Value, () => ""),
            text = message.Text.Value,
            entry = LogEntry.Encode(message),
            ttl = (long)_keyWindow.TotalSeconds,
            room = room.Value,
            channel = Channel,
        }))!;
        var at = new MessageIndex((long)result[0]);
        return (long)result[1] == 0 ? new Reply.Posted(at) : new Reply.KeyConflict(at);
    }

    public async Task<Seq<Message>> ReadAsync(RoomName room, MessageIndex from, int limit) => limit <= 0 ? Seq<Message>() :
        toSeq((await _db.ListRangeAsync(Log(room), from.Value, from.Value + limit - 1)).Select(v => LogEntry.Decode((byte[])v!))).Strict();

    /// Only a command the client never wrote to the socket (no link, under FailFast; still queued) is known not to
    /// have run: a timeout or a dropped link after it was sent leaves the script's outcome unknown (a Redis stopped
    /// with SIGSTOP runs it once it is resumed).
    public bool FailedBeforeSending(Exception error) => error switch
    {
        RedisTimeoutException t => t.Commandstatus is CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog,
        RedisConnectionException c => c.CommandStatus is CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog,
        _ => false,
    };

    public async Task<MessageIndex> CountAsync(RoomName room) => new(await _db.ListLengthAsync(Log(room)).ConfigureAwait(false));

    public async Task<RoomState> RestoreAsync(RoomName room, RoomLimits limits)
    {
        var count = await _db.ListLengthAsync(Log(room)).ConfigureAwait(false);
        var recent = await ReadAsync(room, new MessageIndex(Math.Max(0, count - limits.WindowCount)), (int)Math.Min(count, limits.WindowCount)).ConfigureAwait(false);
        return RoomState.Restore(limits, new MessageIndex(count), recent, Seq<(IdempotencyKey, KeyEntry)>()).AsSharedLog();
    }

    public void Write(IReadOnlyList<Append> batch) =>
        throw new NotSupportedException("with a shared log, posts are appended by the log, never persisted by a node");

    /// A page of room names, then every room's count, the LLENs sent at once (one round trip, not one per room).
    public async Task<Seq<(RoomName Room, MessageIndex Next)>> RoomsAsync(string after, int limit)
    {
        var names = await _db.SortedSetRangeByValueAsync(RoomsKey, after == "" ? default : (RedisValue)after, default, Exclude.Start, Order.Ascending, 0, limit).ConfigureAwait(false);
        var rooms = names.Select(n => RoomName.Parse((string)n!)).Rights().ToList();
        var counts = await Task.WhenAll(rooms.Select(room => _db.ListLengthAsync(Log(room)))).ConfigureAwait(false);
        return toSeq(rooms.Zip(counts, (room, count) => (room, new MessageIndex(count)))).Strict();
    }

    public void Dispose() => _redis.Dispose();
}
