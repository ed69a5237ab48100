using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Chat.Specs.Http;

/// The event stream against the seed poll and the batch, as a property. A class fixture, not a
/// <see cref="SharedServer"/>: FsCheck's runner starts an IAsyncLifetime test class but never disposes it, which
/// left a server and its folder behind on every run.
public sealed class EventsPropertySpecs(EventsPropertySpecs.Server fixture) : IClassFixture<EventsPropertySpecs.Server>
{
    public sealed class Server() : SharedServer("--Chat:KeepAlive=00:00:00.200", "--Chat:WindowCount=4")
    {
        public new HttpClient Client => base.Client;
    }

    /// Random messages posted while three kinds of reader follow the room: seed polls, batches of random
    /// limits, and an event stream. All three see the identical sequence, which is the posted one.
    [Property(MaxTest = 12)]
    public Property Single_gets_batches_and_a_stream_of_one_room_see_the_same_sequence() => Prop.ForAll(
        Arb.From(Gen.Choose(1, 12).SelectMany(n => Gen.ArrayOf(Gen.Elements("a", "b\nc", "ü€😀", "<i>x</i>", "  ", "%41"), n))
            .Zip(Gen.Choose(1, 5))),
        input =>
        {
            var (texts, limit) = input;
            var room = SharedServer.NewRoom("e");
            var run = Task.Run(async () =>
            {
                await using var events = await SseReader.OpenAsync(fixture.Client, $"/rooms/{room}/events?from=0");
                var singles = Task.Run(async () =>
                {
                    var seen = new List<string>();
                    while (seen.Count < texts.Length)
                    {
                        var (status, body) = await fixture.Client.GetTextAsync($"/rooms/{room}/get/{seen.Count}");
                        if (status == HttpStatusCode.OK) seen.Add(body);
                    }
                    return seen;
                });
                var batches = Task.Run(async () =>
                {
                    var seen = new List<string>();
                    while (seen.Count < texts.Length)
                    {
                        using var response = await fixture.Client.GetAsync($"/rooms/{room}/messages?from={seen.Count}&limit={limit}");
                        if (response.StatusCode != HttpStatusCode.OK) continue;
                        var page = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                        seen.AddRange(page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()!));
                    }
                    return seen;
                });
                foreach (var text in texts) (await fixture.Client.PostAsync(text, $"/rooms/{room}/post")).EnsureSuccessStatusCode();
                var streamed = (await events.TakeAsync(texts.Length)).Select(e => e.Data).ToList();
                return (await singles, await batches, streamed);
            });
            var (s, b, e) = run.WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
            return (s.SequenceEqual(texts) && b.SequenceEqual(texts) && e.SequenceEqual(texts))
                .Label($"posted [{string.Join("|", texts)}] singles [{string.Join("|", s)}] batches [{string.Join("|", b)}] stream [{string.Join("|", e)}]");
        });
}
