using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Chat.Client;
using Chat.Specs.Http.Support;

namespace Chat.Specs.Clients;

/// The library in a protected room: its token opens the room and names the author; without one a post fails at
/// once with 401, not after its retries (another attempt cannot change the answer).
public sealed class ProtectedRoomSpecs : IAsyncLifetime
{
    const string Key = "a signing key of at least thirty-two bytes, for clients";
    readonly TempFolder _folder = new("chat-client-auth-");
    ChildHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await ChildHost.StartAsync(_folder.File("chat.db"), $"--Auth:SigningKey={Key}", "--Auth:Protected=team-*");

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _folder.Dispose();
    }

    static string Token(string name)
    {
        static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var header = B64(Encoding.UTF8.GetBytes("""{"alg":"HS256","typ":"JWT"}"""));
        var claims = B64(JsonSerializer.SerializeToUtf8Bytes(new { name, exp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(), chat = new { read = new[] { "team-*" }, post = new[] { "team-*" } } }));
        return $"{header}.{claims}.{B64(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), Encoding.ASCII.GetBytes($"{header}.{claims}")))}";
    }

    [Fact]
    public async Task A_token_opens_a_protected_room_and_without_one_a_post_fails_at_once_with_401()
    {
        using var member = new ChatClient(new ChatClientOptions { Token = Token("Ann") }, _host.Address);
        var index = await member.PostAsync("team-a", "inside", name: "Mallory");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await foreach (var message in member.FollowAsync("team-a", index, cancel.Token))
        {
            Assert.Equal(("inside", "Ann"), (message.Text, message.Author));
            break;
        }

        using var outsider = new ChatClient(_host.Address);
        var started = DateTime.UtcNow;
        var refused = await Assert.ThrowsAsync<ChatException>(() => outsider.PostAsync("team-a", "let me in"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2), "a 401 was retried");
    }
}
