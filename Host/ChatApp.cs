using System.Reflection;
using Chat.Host.Auth;
using Chat.Host.Endpoints;
using Chat.Host.Observability;
using Chat.Host.Options;
using Chat.Host.Rooms;
using Chat.Host.Storage;
using Chat.Host.Storage.Redis;
using Chat.Host.Storage.Sqlite;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Scalar.AspNetCore;

namespace Chat.Host;

/// The composition root: services, server settings and routes. Program.cs runs it; specs start it on a free port.
public static class ChatApp
{
    /// The Host assembly's informational version (the package version and, built from git, the commit).
    public static string Version { get; } =
        typeof(ChatApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // appsettings.json and the page are copied beside the binary: found wherever it is started from.
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        builder.Services.AddOptions<ChatOptions>().Bind(builder.Configuration.GetSection(ChatOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<StoreOptions>().Bind(builder.Configuration.GetSection(StoreOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddClientAddress(builder.Configuration);
        builder.Services.AddRoomAccess(builder.Configuration);
        builder.Services.AddCrossOrigin(builder.Configuration);
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        builder.Services.AddMetrics();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp =>
        {
            // OpenTelemetry's listener first (else it is made at the host's start, after this): a measurement made
            // before it listens is lost, and the metrics record their zeros at once.
            sp.GetService<MeterProvider>();
            return new ChatMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), Problems.Titles);
        });
        builder.Services.AddOptions<RedisOptions>().Bind(builder.Configuration.GetSection(RedisOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var redis = builder.Configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();
        if (redis.Enabled)
        {
            builder.Services.AddSingleton(sp => new RedisStore(sp.GetRequiredService<IOptions<RedisOptions>>().Value,
                room => sp.GetRequiredService<IOptions<ChatOptions>>().Value.Retention.Any(r => Auth.RoomPattern.Matches(r.Rooms!, room))));
            builder.Services.AddSingleton<IMessageStore>(sp => sp.GetRequiredService<RedisStore>());
            builder.Services.AddSingleton<ISharedLog>(sp => sp.GetRequiredService<RedisStore>());
            builder.Services.AddSingleton<IHereBoard>(sp => new SharedHere(sp.GetRequiredService<RedisStore>().Connection,
                sp.GetRequiredService<RoomDirectory>(), sp.GetRequiredService<TimeProvider>()));
        }
        else
        {
            builder.Services.AddSingleton<IHereBoard, LocalHere>();
            builder.Services.AddSingleton<IMessageStore>(sp => sp.GetRequiredService<IOptions<StoreOptions>>().Value is var o && o.Kind == StoreKind.Memory
                ? new MemoryStore() : new ReadAhead(new SqliteStore(o, sp.GetRequiredService<ILogger<SqliteStore>>())));
        }
        builder.Services.AddSingleton(sp => new StoreWriter(sp.GetRequiredService<IMessageStore>(),
            sp.GetRequiredService<IOptions<StoreOptions>>().Value.MaxBatch, sp.GetRequiredService<ChatMetrics>(), sp.GetRequiredService<ILogger<StoreWriter>>()));
        builder.Services.AddSingleton<WaiterQuota>();
        builder.Services.AddSingleton<RoomDirectory>();
        builder.Services.AddSingleton<Polls>();
        builder.Services.AddSingleton(sp => new PostRate(sp.GetRequiredService<IOptions<ChatOptions>>().Value));
        builder.Services.AddSingleton<Posts>();
        builder.Services.AddChatHealth(redis.Enabled);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("chat", serviceVersion: Version)) // target_info: not unknown_service:dotnet
            .WithMetrics(metrics => metrics.AddMeter(ChatMetrics.MeterName, "System.Runtime").AddPrometheusExporter());
        builder.Services.AddHostedService<Lifecycle>();
        builder.Services.AddHostedService<Retention>();
        // Socket completions run where they complete, so both cores write a fan-out's responses (docs/performance.md).
        // Safe because no request path blocks but a store commit (one at a time, a local file: StoreWriter.cs).
        builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
        // The held-poll path's own transport for TCP endpoints (registered last, so Kestrel picks it first).
        if ((builder.Configuration.GetSection(ChatOptions.Section).Get<ChatOptions>() ?? new ChatOptions()).TransportPath && Transport.Epoll.Supported)
            builder.Services.AddSingleton<Microsoft.AspNetCore.Connections.IConnectionListenerFactory, Transport.LeanTransport>();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            var chat = builder.Configuration.GetSection(ChatOptions.Section).Get<ChatOptions>() ?? new ChatOptions();
            // Seed polls answered on the transport, first; then `Content-Length: +14` is 400, not 14.
            StrictContentLength.Install(k, builder.Configuration, listen => Transport.TransportPath.Use(listen, chat.TransportPath));
            // Kestrel:Limits (header size and timeout, keep-alive, connections) from configuration; a slowloris
            // client that trickles its headers or body is cut off by them.
            builder.Configuration.GetSection("Kestrel:Limits").Bind(k.Limits);
            k.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(chat.MinBodyBytesPerSecond, chat.BodyRateGrace);
        });
        // Every held poll keeps its request's objects alive: no trace ids in log scopes, and the hosting diagnostics
        // logger is off in appsettings.json (each would make an Activity and a logging scope for every request).
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.None);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.Services.GetRequiredService<IMessageStore>(); // open the store now: a bad file stops the start
        var rooms = app.Services.GetRequiredService<RoomDirectory>();
        if (app.Services.GetService<ISharedLog>() is { } sharedLog)
            Following.Start(sharedLog, rooms, app.Logger, app.Services.GetRequiredService<IOptions<RedisOptions>>().Value.CatchUpEvery, app.Lifetime.ApplicationStopping);
        if (app.Services.GetRequiredService<IHereBoard>() is SharedHere shared) shared.Start(app.Lifetime.ApplicationStopping);
        app.Services.GetRequiredService<ChatMetrics>().ObserveRooms(() => rooms.Loaded().Select(r => (r.Name.Value, r.State.HeldCount)));
        app.WithoutAuthenticationMiddleware(); // protected rooms check their tokens themselves (Bearer.cs)
        app.UseForwardedHeaders(); // first: every later piece sees the client's address (ClientAddress.cs)
        app.UseStrictContentLength();
        // Routing's own 404 and 415 (and the static files' 404) get a problem+json body; the chat's endpoints
        // write their own, and skipping the middleware there keeps its frame out of every held poll.
        app.UseWhen(http => http.GetEndpoint()?.Metadata.GetMetadata<Routes.OwnProblems>() is null, pages => pages.UseStatusCodePages());
        app.UseCrossOrigin();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapOpenApi(); // /openapi/v1.json
        if (app.Environment.IsDevelopment()) app.MapScalarApiReference(); // /scalar/v1, a browsable UI
        app.MapPrometheusScrapingEndpoint(); // /metrics
        app.MapChatHealth();
        app.MapChat();
        return app;
    }
}
