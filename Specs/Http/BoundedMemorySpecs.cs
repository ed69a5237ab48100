using System.Net;
using Chat.Core.Room;
using Chat.Core.Values;
using Chat.Host.Rooms;
using LanguageExt;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Specs.Http;

/// However long the history grows, a room keeps only its window in memory; the rest is read from the store.
/// It measures the process's heap, so it runs alone, after the specs that run in parallel.
[Collection(Alone.Name)]
public sealed class BoundedMemorySpecs
{
    [Fact]
    public async Task Two_hundred_thousand_messages_leave_the_heap_bounded_and_old_indexes_still_answer()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        var room = (await server.Services.GetRequiredService<RoomDirectory>().FindAsync(RoomName.Default)).RightToSeq().Head;
        var before = GC.GetTotalMemory(forceFullCollection: true);

        // Straight into the room's loop (the same loop, interpreter, group commit and SQLite file the endpoints
        // use), 2,000 at a time: 200,000 posts over HTTP would take minutes on two cores.
        const int total = 200_000, wave = 2_000;
        string Text(int i) => $"message {i:D6} " + new string('x', 180);
        for (var start = 0; start < total; start += wave)
        {
            var posts = Enumerable.Range(start, wave).Select(i =>
            {
                var exchange = Exchange.ForPost();
                room.Send(new Command.Post(Message.Of((MessageText)MessageText.Parse(Text(i), 1000).RightToSeq().Head), exchange.Id, Option<IdempotencyKey>.None), exchange);
                return exchange.Task;
            });
            await Task.WhenAll(posts).WaitAsync(TimeSpan.FromSeconds(60));
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        // 200,000 messages are ~40 MB of text (80 MB as .NET strings); the window keeps 1,024 of them.
        Assert.True(after - before < 16 * 1024 * 1024, $"heap grew by {(after - before) / 1024} KiB");
        Assert.Equal(total, room.State.Visible.Value);
        Assert.True(room.State.Recent.Count <= 1024);
        foreach (var i in new[] { 0, 1, 77_777, 150_000, total - 1 })
            Assert.Equal((HttpStatusCode.OK, Text(i)), await client.GetTextAsync($"/chat/get/{i}"));
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Alone
{
    public const string Name = "Alone: measures the whole process";
}
