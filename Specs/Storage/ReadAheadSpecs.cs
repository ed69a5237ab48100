using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Options;
using Chat.Host.Storage;
using Chat.Host.Storage.Sqlite;
using Chat.Specs.Http;
using LanguageExt;

namespace Chat.Specs.Storage;

/// Reads older than a room's window go to the store a block at a time (Host/Storage/ReadAhead.cs), on a real SQLite file.
public sealed class ReadAheadSpecs : IDisposable
{
    private static readonly RoomName Room = Stored.Room("behind");
    private readonly TempFolder _folder = new("read-ahead");
    private readonly Counting _sqlite;
    private readonly ReadAhead _store;

    public ReadAheadSpecs()
    {
        _sqlite = new Counting(new SqliteStore(new StoreOptions { Path = _folder.File("chat.db") }));
        _store = new ReadAhead(_sqlite);
    }

    [Fact]
    public async Task A_follower_far_behind_reads_one_query_per_block_and_every_message_as_stored()
    {
        Append(0, 300);
        for (var i = 0; i < 300; i++)
            Assert.Equal(Text(i), Assert.Single(await _store.ReadAsync(Room, new MessageIndex(i), 1)).Text.Value);
        // 4 whole blocks of 64 kept, then 44 of the fifth, which is not whole: asked of the store itself each time.
        Assert.Equal(4 + 44 * 2, _sqlite.Reads);
    }

    [Fact]
    public async Task A_block_read_before_its_messages_were_all_stored_is_not_kept()
    {
        Append(0, 10);
        Assert.Equal(Text(9), Assert.Single(await _store.ReadAsync(Room, new MessageIndex(9), 1)).Text.Value);
        Append(10, 64);
        Assert.Equal(Text(10), Assert.Single(await _store.ReadAsync(Room, new MessageIndex(10), 1)).Text.Value);
        Assert.Equal(Enumerable.Range(60, 4).Select(Text), (await _store.ReadAsync(Room, new MessageIndex(60), 10)).Select(m => m.Text.Value));
    }

    [Fact]
    public async Task Followers_reading_one_block_at_once_share_its_one_query()
    {
        Append(0, 128);
        var reads = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() => _store.ReadAsync(Room, new MessageIndex(i), 1))));
        Assert.Equal(Enumerable.Range(0, 64).Select(Text), reads.Select(r => Assert.Single(r).Text.Value));
        Assert.Equal(1, _sqlite.Reads);
    }

    [Fact]
    public async Task A_read_across_two_blocks_is_asked_of_the_store_as_it_is()
    {
        Append(0, 128);
        Assert.Equal(Enumerable.Range(60, 10).Select(Text), (await _store.ReadAsync(Room, new MessageIndex(60), 10)).Select(m => m.Text.Value));
        Assert.Equal(1, _sqlite.Reads);
    }

    private static string Text(int i) => Stored.Text(i);

    private void Append(int from, int to) => _store.Write(Enumerable.Range(from, to - from).Select(i => Stored.Append(Room, i)).ToList());

    public void Dispose()
    {
        _store.Dispose();
        _folder.Dispose();
    }

    /// The real store, counting the reads that reach it.
    private sealed class Counting(IMessageStore store) : IMessageStore
    {
        private int _reads;
        public int Reads => Volatile.Read(ref _reads);

        public Task<Seq<Message>> ReadAsync(RoomName room, MessageIndex from, int limit)
        {
            Interlocked.Increment(ref _reads);
            return store.ReadAsync(room, from, limit);
        }

        public Task<RoomState> RestoreAsync(RoomName room, RoomLimits limits) => store.RestoreAsync(room, limits);
        public void Write(IReadOnlyList<Append> batch) => store.Write(batch);
        public Task<Seq<(RoomName Room, MessageIndex Next)>> RoomsAsync(string after, int limit) => store.RoomsAsync(after, limit);
        public Task<MessageIndex> FirstAsync(RoomName room) => store.FirstAsync(room);
        public Task<MessageIndex> TrimAsync(RoomName room, Keep keep, DateTimeOffset now) => store.TrimAsync(room, keep, now);
        public Task<Seq<MessageIndex>> ByAuthorAsync(RoomName room, AuthorName author) => store.ByAuthorAsync(room, author);
        public void Dispose() => store.Dispose();
    }
}
