using System.Net;

namespace Chat.Specs.Http;

/// A retried post with the same Idempotency-Key stores nothing new and answers the first attempt's index.
public sealed class IdempotencySpecs
{
    private static HttpRequestMessage Post(string message, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/chat/post") { Content = new FormUrlEncodedContent([new("message", message)]) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    [Fact]
    public async Task A_retry_with_the_same_key_answers_the_first_index_and_stores_once()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        await client.PostAsync("before");

        using var first = await client.SendAsync(Post("hello", "k-1"));
        using var retry = await client.SendAsync(Post("hello", "k-1"));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal("/chat/get/1", first.Headers.Location!.OriginalString);
        Assert.Equal("/chat/get/1", retry.Headers.Location!.OriginalString);
        Assert.Equal(2, (await client.GetFromJsonAsync<Wire.RoomStatus>("/rooms/chat"))!.Next);
    }

    [Fact]
    public async Task Concurrent_retries_of_one_key_store_one_message()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.SendAsync(Post("once", "same"))));

        Assert.All(answers, a => Assert.Equal("/chat/get/0", a.Headers.Location!.OriginalString));
        Assert.Equal(1, (await client.GetFromJsonAsync<Wire.RoomStatus>("/rooms/chat"))!.Next);
    }

    [Fact]
    public async Task The_same_key_with_a_different_message_is_422()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        await client.SendAsync(Post("hello", "k-1"));

        using var other = await client.SendAsync(Post("something else", "k-1"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        Assert.Equal("application/problem+json", other.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, (await client.GetFromJsonAsync<Wire.RoomStatus>("/rooms/chat"))!.Next);
    }

    [Fact]
    public async Task A_key_is_remembered_across_a_restart()
    {
        var server = await ChatServer.StartAsync();
        using (var client = server.Client())
        {
            await client.PostAsync("zero");
            await client.SendAsync(Post("hello", "k-restart"));
        }
        await using var restarted = await server.RestartAsync();
        await server.DisposeAsync();
        using var again = restarted.Client();

        using var retry = await again.SendAsync(Post("hello", "k-restart"));
        using var conflict = await again.SendAsync(Post("other", "k-restart"));

        Assert.Equal("/chat/get/1", retry.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, conflict.StatusCode);
        Assert.Equal(2, (await again.GetFromJsonAsync<Wire.RoomStatus>("/rooms/chat"))!.Next);
    }
}
