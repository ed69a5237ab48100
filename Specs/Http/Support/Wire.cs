using System.Net;
using System.Net.Http.Headers;

namespace Chat.Specs.Http.Support;

/// Small conveniences for talking to the service the way its clients do.
public static class Wire
{
    /// A post over HTTP/2 was stored, and every poll it answered came back over HTTP/2 with its text.
    public static async Task ShouldHaveDeliveredOverHttp2Async(HttpResponseMessage posted, IEnumerable<Task<HttpResponseMessage>> polls, string text)
    {
        Assert.Equal(System.Net.HttpStatusCode.Created, posted.StatusCode);
        Assert.Equal(System.Net.HttpVersion.Version20, posted.Version);
        foreach (var poll in polls)
        {
            using var answer = await poll.WaitAsync(Bound);
            Assert.Equal(System.Net.HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal(System.Net.HttpVersion.Version20, answer.Version);
            Assert.Equal(text, await answer.Content.ReadAsStringAsync());
        }
    }

    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    public static Task<HttpResponseMessage> PostAsync(this HttpClient client, string message, string path = "/chat/post") =>
        client.PostAsync(path, new FormUrlEncodedContent([new("message", message)])).WaitAsync(Bound);

    public static Task<HttpResponseMessage> PostMultipartAsync(this HttpClient client, string message, string path = "/chat/post")
    {
        var form = new MultipartFormDataContent { { new StringContent(message, System.Text.Encoding.UTF8), "message" } };
        return client.PostAsync(path, form).WaitAsync(Bound);
    }

    public static async Task<(HttpStatusCode Status, string Body)> GetTextAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path).WaitAsync(Bound);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// Reads until <paramref name="done"/> holds (bounded by <paramref name="within"/>, <see cref="Bound"/> by default);
    /// the last read. Past the bound, a timeout saying <paramref name="otherwise"/> of the last read.
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, Func<T, string> otherwise, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? Bound);
        while (true)
        {
            var last = await read();
            if (done(last)) return last;
            if (DateTime.UtcNow > deadline) throw new TimeoutException(otherwise(last));
            await Task.Delay(50);
        }
    }

    /// Waits until the room holds <paramref name="count"/> polls (read from the room's status), bounded.
    public static async Task UntilHeldAsync(this HttpClient client, int count, string room = "chat")
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            var status = await client.GetFromJsonAsync<RoomStatus>($"/rooms/{room}").WaitAsync(Bound);
            if (status!.Held == count) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"room {room} holds {status.Held} polls, expected {count}");
            await Task.Delay(20);
        }
    }

    public static Task<T?> GetFromJsonAsync<T>(this HttpClient client, string path) =>
        System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<T>(client, path);

    public static string? Single(this HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    public sealed record RoomStatus(string Room, long Next, int Held);
}
