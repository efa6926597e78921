using System.Net;
using System.Security.Cryptography.X509Certificates;
using Eddy.Server.Faults;
using Eddy.Server.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Eddy.Server;

public sealed record ServerOptions
{
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The cleartext port: HTTP/1.1 and prior-knowledge HTTP/2 on one socket. 0 picks a free port.</summary>
    public int Port { get; init; } = 4567;

    public LogLevel LogLevel { get; init; } = LogLevel.Warning;

    /// <summary>The AWS account the server answers as (ARNs, policy principals, fault messages).</summary>
    public string Account { get; init; } = "000000000000";

    /// <summary>The process's one logger factory (the engine's and the store's loggers come from it too). Null: the
    /// server makes its own console logging at <see cref="LogLevel"/>.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Request filters (authentication, authorization, fault injection), run in this order before every action.</summary>
    public IReadOnlyList<IRequestFilter> Filters { get; init; } = [];

    /// <summary>Fault injection: a <see cref="FaultFilter"/> after <see cref="Filters"/> and the admin endpoint
    /// <c>/_eddy/faults</c> that sets its rules at run time. Off: neither.</summary>
    public bool FaultInjection { get; init; } = true;

    /// <summary>The TLS port (HTTP/1.1 and HTTP/2, chosen by ALPN). Null: no TLS listener; 0 picks a free port.</summary>
    public int? TlsPort { get; init; }

    /// <summary>The TLS certificate: a PKCS#12 file or a PEM file (with <see cref="TlsKeyPath"/> when the key is
    /// elsewhere). Null: Eddy's own self-signed certificate in <see cref="TlsDirectory"/>, created on first use.</summary>
    public string? TlsCertificatePath { get; init; }

    /// <summary>PEM private key for a PEM <see cref="TlsCertificatePath"/> whose file holds no key.</summary>
    public string? TlsKeyPath { get; init; }

    /// <summary>Password of <see cref="TlsCertificatePath"/> (PKCS#12) or of its encrypted PEM key.</summary>
    public string? TlsCertificatePassword { get; init; }

    /// <summary>Where Eddy keeps its own certificate (<see cref="ServerCertificate"/>). Null:
    /// <see cref="ServerCertificate.UserDirectory"/>.</summary>
    public string? TlsDirectory { get; init; }

    /// <summary>How long a new connection may stay silent before it is closed: on the cleartext port until its
    /// first bytes tell HTTP/1.1 from HTTP/2; on the TLS port the handshake, then (without ALPN) the same.</summary>
    public TimeSpan FirstBytesTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Builds the ASP.NET Core application that serves Eddy's services on one port: transport (cleartext
/// HTTP/1.1 + h2c, TLS), the request filters, the admin API, and the <see cref="ApiRouter"/> in front of every
/// service that <c>addServices</c> registers (a <see cref="JsonService"/> per JSON-protocol service, the default one
/// first; <see cref="IRestService"/>s; <see cref="IAdminEndpoint"/>s).</summary>
public static class EddyApplication
{
    // HTTP/2 flow control sized for Kinesis: a whole 16 MiB PutRecords body may be in flight on one stream, and
    // many concurrent streams (SubscribeToShard) share a connection.
    internal const int Http2StreamWindow = JsonEndpoint.MaxBodyBytes;
    internal const int Http2ConnectionWindow = 2 * JsonEndpoint.MaxBodyBytes;
    internal const int Http2MaxStreams = 1000;
    internal const int Http2MaxFrame = 256 * 1024;

    public static WebApplication Build(ServerOptions options, Action<IServiceCollection> addServices)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(addServices);
        // No configuration reload: the host would watch its content root (the working directory) recursively for
        // appsettings.json changes, and the default data directory (./data) is under it, so every segment write woke
        // the watcher (~1000 inotify reads/s under PutRecords load). Eddy reads no settings files anyway.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        if (options.LoggerFactory is { } shared)
        {
            builder.Services.AddSingleton(shared);
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Logging.SetMinimumLevel(options.LogLevel);
        }
        // A start-up failure (a port in use) is reported by the caller in one line; the host would log it again with
        // the whole stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        foreach (var filter in options.Filters) builder.Services.AddSingleton(filter);
        if (options.FaultInjection)
        {
            builder.Services.AddSingleton(new FaultInjector());
            builder.Services.AddSingleton<IRequestFilter>(s => ActivatorUtilities.CreateInstance<FaultFilter>(s, options.Account));
            builder.Services.AddSingleton<IAdminEndpoint, FaultAdminEndpoint>();
        }
        addServices(builder.Services);
        builder.Services.AddSingleton<JsonEndpoint>();
        builder.Services.AddSingleton<ApiRouter>();

        var address = options.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(options.Host);
        var cleartext = new CleartextPort(new IPEndPoint(address, options.Port), options.FirstBytesTimeout);
        builder.Services.AddSingleton<IConnectionListenerFactory, CleartextTransportFactory>();
        var tls = options.TlsPort is null ? null : LoadCertificate(options);
        builder.Services.AddSingleton(_ => new TransportInfo(tls?.Certificate, tls?.PemPath));

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = JsonEndpoint.MaxBodyBytes;
            k.Limits.MinRequestBodyDataRate = null;
            k.Limits.Http2.InitialStreamWindowSize = Http2StreamWindow;
            k.Limits.Http2.InitialConnectionWindowSize = Http2ConnectionWindow;
            k.Limits.Http2.MaxStreamsPerConnection = Http2MaxStreams;
            k.Limits.Http2.MaxFrameSize = Http2MaxFrame;

            // Bound in this order, so the cleartext address is reported first.
            k.Listen(cleartext.Http1, l =>
            {
                l.Protocols = HttpProtocols.Http1;
                l.Use(next => connection => HostHeaderRepair.RunAsync(connection, next));
            });
            k.Listen(cleartext.Http2, l => l.Protocols = HttpProtocols.Http2);
            if (tls is not null)
            {
                k.Listen(address, options.TlsPort!.Value, l => TlsEndpoint.Configure(
                    l, tls.Certificate, options.FirstBytesTimeout, l.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(TransportLog.Category)));
            }
        });
        var app = builder.Build();
        if (tls is { Created: true, PemPath: { } pem })
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(TransportLog.Category);
            TransportLog.CertificateCreated(logger, Path.GetDirectoryName(pem)!, tls.Certificate.NotAfter.ToUniversalTime());
        }

        app.Run(app.Services.GetRequiredService<ApiRouter>().HandleAsync);
        return app;
    }

    /// <summary>The addresses the server is bound to (with the real ports when 0 was asked for): the cleartext
    /// <c>http://</c> address first, then the <c>https://</c> one when TLS is on.</summary>
    public static IReadOnlyList<string> Addresses(WebApplication app) =>
        [.. (app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []).Distinct()];

    /// <summary>The PEM file clients should trust for the TLS listener: Eddy's own <c>eddy.pem</c>, or null when
    /// TLS is off or the certificate was given by the user.</summary>
    public static string? CertificatePemPath(WebApplication app) => app.Services.GetRequiredService<TransportInfo>().PemPath;

    private static LoadedCertificate LoadCertificate(ServerOptions options)
    {
        if (options.TlsCertificatePath is { } path)
        {
            return new LoadedCertificate(ServerCertificate.LoadFile(path, options.TlsKeyPath, options.TlsCertificatePassword), null, false);
        }

        var directory = options.TlsDirectory ?? ServerCertificate.UserDirectory;
        var certificate = ServerCertificate.LoadOrCreate(directory, out var created);
        return new LoadedCertificate(certificate, ServerCertificate.PemPath(directory), created);
    }

    private sealed record LoadedCertificate(X509Certificate2 Certificate, string? PemPath, bool Created);

    /// <summary>Owns the certificate for the application's lifetime.</summary>
    private sealed class TransportInfo(X509Certificate2? certificate, string? pemPath) : IDisposable
    {
        public string? PemPath => pemPath;

        public void Dispose() => certificate?.Dispose();
    }
}
