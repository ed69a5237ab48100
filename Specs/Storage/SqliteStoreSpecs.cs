using Chat.Core.Values;
using Chat.Host.Options;
using Chat.Host.Storage;
using Chat.Host.Storage.Sqlite;
using Chat.Specs.Http;
using LanguageExt;
using Microsoft.Data.Sqlite;

namespace Chat.Specs.Storage;

/// The SQLite store's commits on a real file: a lone append, a batch, a batch that fails, and the WAL's checkpoints.
public sealed class SqliteStoreSpecs : IDisposable
{
    private static readonly RoomName Room = Stored.Room("store");
    private readonly TempFolder _folder = new("sqlite-store");
    private readonly SqliteStore _store;

    public SqliteStoreSpecs() => _store = new SqliteStore(new StoreOptions { Path = _folder.File("chat.db") });

    [Fact]
    public async Task A_batch_that_fails_midway_stores_none_of_it_and_the_next_commit_goes_through()
    {
        _store.Write([At(0)]);
        Assert.Throws<SqliteException>(() => _store.Write([At(1), At(2), At(0)])); // 0 is taken
        _store.Write([At(1)]);
        _store.Write([At(2), At(3)]);
        Assert.Equal(Enumerable.Range(0, 4).Select(Stored.Text), (await _store.ReadAsync(Room, new MessageIndex(0), 10)).Select(m => m.Text.Value));
    }

    [Fact]
    public async Task A_message_reads_back_from_the_file_as_it_was_posted_its_text_author_time_and_key()
    {
        var (text, author) = (MessageText.FromStore("héllo, wörld € 😀 \u0000 end"), AuthorName.FromStore("Zoë 🌱"));
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_764_590_000_123);
        var key = IdempotencyKey.FromStore("key-ü-1");
        _store.Write([new Append(Room, new MessageIndex(0), new Message(text, author, at), key)]);
        _store.Write([At(1), new Append(Room, new MessageIndex(2), new Message(text, Option<AuthorName>.None, Option<DateTimeOffset>.None), Option<IdempotencyKey>.None)]);

        var read = (await _store.ReadAsync(Room, new MessageIndex(0), 10)).ToArray();
        Assert.Equal(new Message(text, author, at), read[0]);
        Assert.Equal(Stored.Append(Room, 1).Message, read[1]);
        Assert.Equal(new Message(text, Option<AuthorName>.None, Option<DateTimeOffset>.None), read[2]);
        var restored = await _store.RestoreAsync(Room, Chat.Core.Room.RoomLimits.Default);
        Assert.Equal(new MessageIndex(0), restored.Keys.Find(key).Map(k => k.At).IfNone(new MessageIndex(-1)));
    }

    [Fact]
    public void The_WAL_starts_over_while_posts_go_on_instead_of_growing_with_every_commit()
    {
        const int appends = 20_000; // a page of WAL frame each (~40 MB) if it were never checkpointed to its end
        for (var i = 0; i < appends; i++) _store.Write([At(i)]);
        var wal = new FileInfo(_folder.File("chat.db") + "-wal").Length;
        Assert.True(wal < appends * (long)SqliteStore.PageSize / 2, $"the WAL is {wal} bytes after {appends} lone appends");
    }

    /// The store holds its file for its process alone (SQLite's unix-excl VFS), pooled readers included: once it is
    /// disposed another process opens the file (the host, as after a restart) and serves what it stored.
    [Fact]
    public async Task Once_the_store_is_disposed_another_process_opens_its_file_and_serves_what_it_stored()
    {
        var path = _folder.File("handed-over.db");
        using (var store = new SqliteStore(new StoreOptions { Path = path }))
        {
            store.Write([At(0), At(1)]);
            Assert.Equal(2, (await store.ReadAsync(Room, new MessageIndex(0), 10)).Count); // a reader now in the pool
        }
        await using var host = await ChildHost.StartAsync(path);
        using var client = host.Client();
        var batch = await client.GetStringAsync("/rooms/store/messages?from=0&limit=10");
        Assert.Contains($"\"text\":\"{Stored.Text(1)}\"", batch);
    }

    private static Append At(int i) => Stored.Append(Room, i);

    private static Append Timed(int i, DateTimeOffset time) =>
        new(Room, new MessageIndex(i), new Message(MessageText.FromStore(Stored.Text(i)), AuthorName.FromStore("Ann"), time), Option<IdempotencyKey>.None);

    [Fact]
    public async Task Retention_by_age_erases_what_is_older_and_the_numbering_goes_on_when_all_of_it_went()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_764_590_000_000);
        _store.Write([Timed(0, now.AddHours(-3)), Timed(1, now.AddHours(-2)), Timed(2, now.AddMinutes(-30))]);
        var keep = new Keep(null, TimeSpan.FromHours(1));

        Assert.Equal(new MessageIndex(2), await _store.TrimAsync(Room, keep, now));
        Assert.Equal(new MessageIndex(2), await _store.FirstAsync(Room));
        Assert.True((await _store.ReadAsync(Room, new MessageIndex(1), 10)).IsEmpty);
        Assert.Equal(new[] { Stored.Text(2) }, (await _store.ReadAsync(Room, new MessageIndex(2), 10)).Select(m => m.Text.Value));

        Assert.Equal(new MessageIndex(3), await _store.TrimAsync(Room, keep, now.AddHours(2)));
        var emptied = await _store.RestoreAsync(Room, Chat.Core.Room.RoomLimits.Default);
        Assert.Equal((new MessageIndex(3), new MessageIndex(3)), (emptied.First, emptied.Next));
    }

    [Fact]
    public async Task A_removal_erases_its_target_in_its_own_write_and_the_author_no_longer_finds_it()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_764_590_000_000);
        _store.Write([Timed(0, now), Timed(1, now)]);
        Assert.Equal(new[] { new MessageIndex(0), new MessageIndex(1) }, (await _store.ByAuthorAsync(Room, AuthorName.FromStore("Ann"))).ToArray());
        var removal = Message.Removal(new MessageIndex(0), AuthorName.FromStore("Mod"), now);
        _store.Write([new Append(Room, new MessageIndex(2), removal, Option<IdempotencyKey>.None)]);

        var read = (await _store.ReadAsync(Room, new MessageIndex(0), 10)).ToArray();
        Assert.Equal(Timed(0, now).Message.ErasedBy(new MessageIndex(2)), read[0]);
        Assert.Equal(removal, read[2]);
        Assert.Equal(new[] { new MessageIndex(1) }, (await _store.ByAuthorAsync(Room, AuthorName.FromStore("Ann"))).ToArray());
        Assert.Equal(0, new FileInfo(_folder.File("chat.db") + "-wal").Length); // emptied before the write returned
    }

    public void Dispose()
    {
        _store.Dispose();
        _folder.Dispose();
    }
}
