using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Chat.Specs.Http;

/// What an operator sees and does: health, metrics, logs, configuration, shutdown.
public sealed class OperationsSpecs
{
    [Fact]
    public async Task Health_and_readiness_answer_json()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();

        using var live = await client.GetAsync("/healthz");
        using var ready = await client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", JsonDocument.Parse(await live.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
        var readiness = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", readiness.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());
    }

    /// In a process of its own: OpenTelemetry listens to every meter named "Chat" in its process, and beside other
    /// specs' in-process servers a scrape once came back with none of the chat's instruments. The poll timeout is
    /// long enough that the first poll is surely still held when its message is posted (at 200 ms it sometimes
    /// was not, and then nothing was delivered).
    [Fact]
    public async Task Metrics_are_scraped_as_prometheus_text()
    {
        using var folder = new TempFolder("chat-metrics-");
        await using var server = await ChildHost.StartAsync(folder.File("chat.db"), "--Chat:PollTimeout=00:00:02");
        using var client = server.Client();
        await client.UntilHeldAsync(0, "m"); // the room loaded and the status path warm before the timed part
        var waiter = client.GetAsync("/rooms/m/get/0");
        await client.UntilHeldAsync(1, "m");
        await client.PostAsync("x", "/rooms/m/post");
        Assert.Equal(HttpStatusCode.OK, (await waiter).StatusCode);
        await client.GetAsync("/rooms/m/get/1"); // times out: 204
        await client.GetAsync("/rooms/m/get/9"); // rejected: 404
        using (var gone = new CancellationTokenSource())
        {
            var abandoned = client.GetAsync("/rooms/m/get/1", gone.Token);
            await client.UntilHeldAsync(1, "m");
            await gone.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
            await client.UntilHeldAsync(0, "m");
        }

        var text = "";
        var deadline = DateTime.UtcNow + Wire.Bound;
        string[] names = ["chat_posts_total", "chat_deliveries_total", "chat_timeouts_total", "chat_disconnects_total", "chat_rejected_total",
            "chat_waiters_held", "chat_room_waiters_held", "chat_store_commit_duration_seconds_bucket", "chat_post_delivery_duration_seconds_bucket",
            "dotnet_gc_pause_time_seconds_total", "dotnet_thread_pool_queue_length_total"]; // and the runtime's own
        while (DateTime.UtcNow < deadline)
        {
            text = await client.GetStringAsync("/metrics");
            if (names.All(text.Contains)) break;
            await Task.Delay(200);
        }
        Assert.All(names, name => Assert.Contains(name, text));
        Assert.Contains("room=\"m\"", text);
        // Buckets in seconds (OpenTelemetry's defaults are for milliseconds: everything fell in the first one).
        Assert.Contains("chat_store_commit_duration_seconds_bucket{otel_scope_name=\"Chat\",le=\"0.005\"}", text);
        Assert.Contains("chat_post_delivery_duration_seconds_bucket{otel_scope_name=\"Chat\",le=\"0.001\"}", text);
    }

    /// Every counter and gauge is there from the first scrape, at 0, and every reason of the refusals counter:
    /// a series that appears only at its first increment hides that increment from rate() and increase(), and an
    /// alert on a missing series cannot tell a quiet service from a broken one. (The histograms appear with their
    /// first observation: a histogram has no point to show until it records a value.)
    [Fact]
    public async Task The_first_scrape_has_every_counter_and_gauge_at_zero()
    {
        using var folder = new TempFolder("chat-metrics-");
        await using var server = await ChildHost.StartAsync(folder.File("chat.db"));
        using var client = server.Client();

        var lines = (await client.GetStringAsync("/metrics")).Split('\n').ToHashSet();

        const string Scope = "otel_scope_name=\"Chat\"";
        string[] zeros =
        [
            $"chat_waiters_held{{{Scope}}} 0",
            $"chat_room_waiters_held{{{Scope},room=\"(other)\"}} 0",
            $"chat_posts_total{{{Scope}}} 0",
            $"chat_deliveries_total{{{Scope}}} 0",
            $"chat_timeouts_total{{{Scope}}} 0",
            $"chat_disconnects_total{{{Scope}}} 0",
            .. Chat.Host.Endpoints.Problems.Titles.Select(reason => $"chat_rejected_total{{{Scope},reason=\"{reason}\"}} 0"),
        ];
        Assert.All(zeros, zero => Assert.Contains(zero, lines));
        Assert.Contains($"chat_rejected_total{{{Scope},reason=\"Bad Content-Length\"}} 0", lines);
        Assert.Contains($"chat_rejected_total{{{Scope},reason=\"Bad parameter 'Last-Event-ID'\"}} 0", lines);
    }

    /// The service names itself in OpenTelemetry's resource (Prometheus shows it as `target_info`): `chat` and
    /// the Host assembly's informational version, not `unknown_service:dotnet`.
    [Fact]
    public async Task The_scrape_names_the_service_and_its_version()
    {
        using var folder = new TempFolder("chat-metrics-");
        await using var server = await ChildHost.StartAsync(folder.File("chat.db"));
        using var client = server.Client();

        var text = await client.GetStringAsync("/metrics");

        var version = typeof(Chat.Host.ChatApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        var target = text.Split('\n').Single(line => line.StartsWith("target_info{", StringComparison.Ordinal));
        Assert.Contains("service_name=\"chat\"", target);
        Assert.Contains($"service_version=\"{version}\"", target);
        Assert.DoesNotContain("unknown_service", text);
    }

    [Fact]
    public async Task Logs_are_json_one_line_per_post_and_rejection_without_message_text()
    {
        using var folder = new TempFolder("chat-logs-");
        await using var host = await ChildHost.StartAsync(folder.File("chat.db"),
            "--Logging:Console:FormatterName=json", "--Logging:LogLevel:Chat=Information", "--Logging:Console:FormatterOptions:SingleLine=true");
        using var client = host.Client();
        await client.PostAsync("a secret message");
        await client.GetAsync("/chat/get/7");
        var lines = await host.TerminateAndReadStdoutAsync();

        var events = lines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(events, e => e.GetProperty("EventId").GetInt32() == 4 && e.GetProperty("LogLevel").GetString() == "Information");
        Assert.Contains(events, e => e.GetProperty("EventId").GetInt32() == 5 && e.GetProperty("Message").GetString()!.Contains("404"));
        Assert.DoesNotContain(lines, l => l.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public Task A_bad_setting_stops_the_start_with_its_name() => ChildHost.AssertStopsNamingAsync("MaxMessageBytes", "--Chat:MaxMessageBytes=0");

    [Fact]
    public async Task Settings_come_from_the_environment_too()
    {
        using var folder = new TempFolder("chat-env-");
        await using var host = await ChildHost.StartAsync(folder.File("chat.db"), environment: new() { ["Chat__PollTimeout"] = "00:00:00.300" });
        using var client = host.Client();
        var started = DateTime.UtcNow;
        using var response = await client.GetAsync("/chat/get/0").WaitAsync(Wire.Bound);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    /// SIGTERM with 200 held polls: each is answered 204 (poll again elsewhere), posts already acknowledged
    /// are stored, and the process exits 0 well within its shutdown timeout.
    [Fact]
    public async Task Sigterm_answers_every_held_poll_and_exits_cleanly()
    {
        var folder = Directory.CreateTempSubdirectory("chat-stop-").FullName;
        var db = Path.Combine(folder, "chat.db");
        var host = await ChildHost.StartAsync(db);
        try
        {
            using var client = host.Client();
            for (var i = 0; i < 3; i++) await client.PostAsync($"kept {i}");
            var polls = new List<TcpClient>();
            for (var i = 0; i < 200; i++)
            {
                var tcp = new TcpClient();
                await tcp.ConnectAsync(host.Address.Host, host.Address.Port);
                await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes("GET /chat/get/3 HTTP/1.1\r\nHost: x\r\n\r\n"));
                polls.Add(tcp);
            }
            await client.UntilHeldAsync(200);
            var answers = polls.Select(async tcp =>
            {
                using var bound = new CancellationTokenSource(Wire.Bound);
                return (await RawHttp.ReadResponseAsync(tcp.GetStream(), bound.Token)).Status;
            }).ToList();

            var started = DateTime.UtcNow;
            Assert.Equal(0, await host.TerminateAsync());
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "shutdown waited on held polls");
            Assert.All(await Task.WhenAll(answers), status => Assert.Equal(204, status));
            foreach (var tcp in polls) tcp.Dispose();
        }
        finally
        {
            await host.DisposeAsync(); // killed if SIGTERM did not end it: a failed spec leaves no process behind
        }

        await using var again = await ChildHost.StartAsync(db);
        using var reader = again.Client();
        for (var i = 0; i < 3; i++) Assert.Equal((HttpStatusCode.OK, $"kept {i}"), await reader.GetTextAsync($"/chat/get/{i}"));
        await again.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }
}
