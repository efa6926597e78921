using Eddy.Core;
using Eddy.Server;
using Eddy.Server.Kinesis;
using Eddy.Streams;
using Eddy.Streams.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Eddy.Testing;

/// <summary>
/// Eddy inside the test process: the pipeline <c>eddy serve --in-memory</c> runs (<see cref="EddyApplication.Build"/>:
/// Kestrel on 127.0.0.1, port 0, cleartext HTTP/1.1 and h2c, the request filters, fault injection, the router and the
/// Kinesis service), over the Data Streams engine on the memory stores in a host of its own
/// (<see cref="StreamsServiceCollectionExtensions.AddEddyStreams"/>), composed as the <c>eddy</c> executable composes
/// it. Starts in milliseconds instead of a process start, and is driven over loopback like <see cref="EddyServer"/>.
/// </summary>
/// <remarks>
/// For handler- and protocol-level tests that need no process of their own. Keep <see cref="EddyServer"/> (a real
/// process) for crash and restart, signals, the command line, TLS and transport behaviour, and client compatibility.
/// No TLS port, no authentication (as <c>--auth off</c>: any well-formed signature is accepted). Neither host handles
/// signals. Threading: start and dispose from one test at a time; requests may come from any thread. Disposal stops
/// the web host (requests in flight are answered), then the engine's host, then the memory stores.
/// </remarks>
public sealed class InProcessServer : IAsyncDisposable
{
    private readonly IHost _streams;
    private readonly WebApplication _web;
    private int _disposed;

    private InProcessServer(IHost streams, WebApplication web, Uri endpoint)
    {
        _streams = streams;
        _web = web;
        Endpoint = endpoint;
    }

    /// <summary>Base URL of the cleartext port, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Endpoint { get; }

    /// <summary>The engine behind the server, for tests that look past the wire.</summary>
    public IStreamEngine Engine => _streams.Services.GetRequiredService<IStreamEngine>();

    /// <summary>Starts the engine, then the web host, and returns once the port is bound.</summary>
    /// <param name="engine">Changes to the engine options (default: in memory, no state delay, account 000000000000).</param>
    /// <param name="server">Changes to the server options (default: 127.0.0.1, port 0, fault injection on).</param>
    /// <exception cref="IOException">The port could not be bound.</exception>
    public static async Task<InProcessServer> StartAsync(
        Func<EngineOptions, EngineOptions>? engine = null, Func<ServerOptions, ServerOptions>? server = null, CancellationToken cancellationToken = default)
    {
        var engineOptions = new EngineOptions { DataDirectory = null, StateDelay = TimeSpan.Zero };
        engineOptions = engine?.Invoke(engineOptions) ?? engineOptions;
        var streamsBuilder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        streamsBuilder.Services.AddSingleton<IHostLifetime, NoSignals>();
        streamsBuilder.Services.AddEddyStreams(engineOptions);
        var streams = streamsBuilder.Build();
        WebApplication? web = null;
        try
        {
            await streams.StartAsync(cancellationToken).ConfigureAwait(false);
            var streamEngine = streams.Services.GetRequiredService<IStreamEngine>();
            var serverOptions = new ServerOptions { Host = "127.0.0.1", Port = 0, LoggerFactory = NullLoggerFactory.Instance, Account = streamEngine.Account };
            serverOptions = server?.Invoke(serverOptions) ?? serverOptions;
            web = EddyApplication.Build(serverOptions, services => services
                .AddSingleton(streamEngine)
                .AddKinesisApi()
                .AddSingleton<IHostLifetime, NoSignals>());
            await web.StartAsync(cancellationToken).ConfigureAwait(false);
            var endpoint = new Uri(EddyApplication.Addresses(web)[0]);
            return new InProcessServer(streams, web, endpoint);
        }
        catch
        {
            if (web is not null)
            {
                await web.DisposeAsync().ConfigureAwait(false);
            }

            await StopAsync(streams).ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _web.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _web.DisposeAsync().ConfigureAwait(false);
        await StopAsync(_streams).ConfigureAwait(false);
    }

    private static async Task StopAsync(IHost streams)
    {
        await streams.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await ((IAsyncDisposable)streams).DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>A host lifetime without signal handlers: the test decides when the hosts stop.</summary>
    private sealed class NoSignals : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
