using System.Net;
using Eddy.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Eddy.Server;

public sealed record ServerOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 4567;
    public LogLevel LogLevel { get; init; } = LogLevel.Warning;
}

/// <summary>Builds the ASP.NET Core application that serves the Kinesis API for an engine.</summary>
public static class EddyApplication
{
    public static WebApplication Build(ServerOptions options, IStreamEngine engine)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(options.LogLevel);
        builder.Services.AddSingleton(engine);
        builder.Services.AddSingleton<KinesisEndpoint>();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = KinesisEndpoint.MaxBodyBytes;
            k.Limits.MinRequestBodyDataRate = null;
            var address = options.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(options.Host);
            k.Listen(address, options.Port);
        });
        var app = builder.Build();
        var endpoint = app.Services.GetRequiredService<KinesisEndpoint>();
        app.Run(endpoint.HandleAsync);
        return app;
    }

    /// <summary>The http:// addresses the server is bound to (with the real port when 0 was asked for).</summary>
    public static IReadOnlyList<string> Addresses(WebApplication app) =>
        [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []];
}
