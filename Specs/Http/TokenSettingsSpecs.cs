using System.Net;
using System.Security.Cryptography;

namespace Chat.Specs.Http;

/// The `Auth` settings as an operator meets them: in a real process, with its log, its key files and its refusals.
public sealed class TokenSettingsSpecs
{
    [Theory]
    [InlineData("--Auth:SigningKey=too short", "Auth:SigningKey")]
    [InlineData("--Auth:Protected=team-*", "Auth:Protected")]
    [InlineData("--Auth:Protected=team/*", "Auth:Protected")]
    [InlineData("--Auth:PublicKeyPath=/nonexistent/key.pem", "Auth:PublicKeyPath")]
    public Task A_bad_auth_setting_stops_the_start_with_its_name(string setting, string name) =>
        ChildHost.AssertStopsNamingAsync(name, setting, setting.Contains('/') && name == "Auth:Protected" ? $"--Auth:SigningKey={Tokens.Key}" : "--Auth:ClockSkew=00:00:01");

    /// Tokens issued elsewhere: the node has only the issuer's public key (RS256), and an HS256 token is refused.
    [Fact]
    public async Task Tokens_signed_elsewhere_are_checked_with_the_public_key_from_a_file()
    {
        using var folder = new TempFolder("chat-auth-rsa-");
        using var rsa = RSA.Create(2048);
        File.WriteAllText(folder.File("issuer.pem"), rsa.ExportSubjectPublicKeyInfoPem());
        await using var host = await ChildHost.StartAsync(folder.File("chat.db"), $"--Auth:PublicKeyPath={folder.File("issuer.pem")}", "--Auth:Protected=team-*");
        using var client = host.Client();
        var signed = Tokens.Make(["team-*"], ["team-*"], credentials: Tokens.Rsa(rsa));
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Post("team-rsa").With(signed))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Post("team-rsa").With(Tokens.Make(["team-*"], ["team-*"])))).StatusCode);
    }

    /// Tokens in headers and in `access_token`, valid, expired and malformed, with every chat log line and the
    /// authentication handler's own at Information: no token, nor its signature, is in the log. (ASP.NET Core's request
    /// log, Microsoft.AspNetCore.Hosting.Diagnostics, writes whole URLs with their query: it is off in appsettings.json,
    /// and docs/protected-rooms.md says why it stays off where tokens ride in `access_token`.)
    [Fact]
    public async Task A_token_never_appears_in_the_log()
    {
        using var folder = new TempFolder("chat-auth-logs-");
        await using var host = await ChildHost.StartAsync(folder.File("chat.db"), $"--Auth:SigningKey={Tokens.Key}", "--Auth:Protected=team-*",
            "--Logging:LogLevel:Chat=Information", "--Logging:LogLevel:Microsoft.AspNetCore.Authentication=Information");
        using var client = host.Client();
        var valid = Tokens.Make(["team-*"], ["team-*"]);
        var expired = Tokens.Make(["team-*"], ["team-*"], lifetime: TimeSpan.FromMinutes(-5));
        var forged = Tokens.Make(["team-*"], ["team-*"], key: "another key, also thirty-two bytes or more");
        string[] tokens = [valid, expired, forged, "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2lnbmF0dXJl"];
        foreach (var token in tokens)
        {
            (await client.SendAsync(Post("team-log").With(token))).Dispose();
            (await client.GetAsync($"/rooms/team-log/messages?from=0&access_token={token}")).Dispose();
            (await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/rooms/team-log/get/0").With(token))).Dispose();
        }
        var log = string.Join("\n", await host.TerminateAndReadStdoutAsync()) + host.Stderr;
        Assert.Contains("Rejected", log); // the log is on, and saw the refusals
        foreach (var token in tokens)
        {
            Assert.DoesNotContain(token, log);
            Assert.DoesNotContain(token.Split('.')[^1], log);
        }
    }

    /// Open rooms pay nothing for protected ones: tokens are checked for a protected room's requests alone. The check
    /// logs each token it cannot take, and so would the bearer handler if WebApplication's automatic authentication
    /// middleware ran it for every request; an open room's request with a bad token leaves no such line.
    [Fact]
    public async Task An_open_rooms_requests_never_run_the_token_check()
    {
        using var folder = new TempFolder("chat-auth-open-");
        await using var host = await ChildHost.StartAsync(folder.File("chat.db"), $"--Auth:SigningKey={Tokens.Key}", "--Auth:Protected=team-*",
            "--Logging:LogLevel:Microsoft.AspNetCore.Authentication=Debug", "--Logging:LogLevel:Chat.Host.Auth=Debug");
        using var client = host.Client();
        (await client.PostAsync("open", "/rooms/lobby/post")).Dispose();
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/rooms/lobby/get/0").With("open.room.garbage"))).StatusCode);
        Assert.DoesNotContain("Bearer", host.Stdout);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/rooms/team-a/get/0").With("team.room.garbage"))).StatusCode);
        var deadline = DateTime.UtcNow + Wire.Bound;
        while (!host.Stdout.Contains("Bearer", StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Contains("Bearer", host.Stdout); // the check's log is on, and the protected room ran it
    }

    private static HttpRequestMessage Post(string room) =>
        new(HttpMethod.Post, $"/rooms/{room}/post") { Content = new FormUrlEncodedContent([new("message", "m")]) };
}
