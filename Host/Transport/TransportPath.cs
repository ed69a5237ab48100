using Chat.Host.Endpoints;
using Chat.Host.Storage;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http;
using Microsoft.Extensions.Options;

namespace Chat.Host.Transport;

/// The held-poll path (`Chat:TransportPath`, on by default): each plain HTTP/1.1 connection's requests are read from
/// its socket (<see cref="LeanTransport"/>), and a seed poll is answered here (<see cref="HeldPollConnection"/>)
/// without Kestrel's per-request objects. The first request it does not fully handle hands the connection, its bytes
/// unconsumed, to Kestrel's HTTP for good. See docs/architecture.md.
public static class TransportPath
{
    /// Kestrel builds an endpoint's pipeline just before it binds, with its protocols final: one that speaks HTTP/2
    /// alone is left to Kestrel's socket transport. Every other TCP endpoint's connections start on the path.
    public static void Use(ListenOptions listen, bool on)
    {
        if (!on) return;
        listen.Use(next =>
        {
            if ((listen.Protocols & HttpProtocols.Http1) == 0 && listen.ApplicationServices.GetService<IConnectionListenerFactory>() is LeanTransport lean)
                lean.Leave(listen.EndPoint);
            return next;
        });
    }

    /// What every connection of the path uses, made once.
    public sealed class Shared(IServiceProvider services)
    {
        public IServiceProvider Services => services;
        public Polls Polls { get; } = services.GetRequiredService<Polls>();
        public Posts Posts { get; } = services.GetRequiredService<Posts>();
        public IMessageStore Store { get; } = services.GetRequiredService<IMessageStore>();
        /// `Date` is the system's time, as Kestrel's is, whatever clock the messages are stamped with.
        public TimeProvider Clock { get; } = TimeProvider.System;
        public HttpParser<RequestHead> Parser { get; } = new(showErrorDetails: false);
        public int MaxBatch { get; } = services.GetRequiredService<IOptions<Options.ChatOptions>>().Value.MaxBatch;
        public TimeSpan KeepAlive { get; } = services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.KeepAliveTimeout;

        /// ASP.NET Core's own middleware reads `X-Forwarded-*`, so a client is the same address on both paths.
        public ForwardedHeadersMiddleware Forwarded { get; } = new(_ => Task.CompletedTask, services.GetRequiredService<ILoggerFactory>(),
            services.GetRequiredService<IOptions<ForwardedHeadersOptions>>());
    }
}
