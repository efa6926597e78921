using Eddy.Catalog;
using Eddy.Core;
using Eddy.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Eddy.Streams.Hosting;

/// <summary>Registers Data Streams in a host: <c>services.AddEddyStreams(options)</c>.</summary>
public static class StreamsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the engine (<see cref="StreamEngine"/>, as <see cref="IStreamEngine"/> and <see cref="IShardReaders"/>),
    /// its log store and catalog unless the host registered its own <see cref="ILogStore"/> / <see cref="ICatalogStore"/>
    /// first (default: files under <see cref="EngineOptions.DataDirectory"/>, or the memory twins without one), the
    /// catalog's <see cref="ICheckpointStore"/>, and hosted services: the first starts the engine (loads and recovers),
    /// then the state transitions, the retention sweep and on-demand scaling run as background services. A host stops
    /// them in reverse order and then disposes the engine before the stores (which flush and close). Without an
    /// <see cref="EngineOptions.Logger"/>, the engine logs through the registered <see cref="ILoggerFactory"/>.
    /// </summary>
    public static IServiceCollection AddEddyStreams(this IServiceCollection services, EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton<ILogStore>(sp => options.DataDirectory is { } directory
            ? new FileLogStore(new LogStoreOptions { Directory = Path.Combine(directory, "logs"), Time = options.Time, Logger = Logger(sp, "Eddy.Storage") })
            : new MemoryLogStore(options.Time));
        services.TryAddSingleton<ICatalogStore>(_ => options.DataDirectory is { } directory
            ? SqliteCatalogStore.Open(Path.Combine(directory, "catalog.db"))
            : new MemoryCatalogStore());
        services.TryAddSingleton(sp => sp.GetRequiredService<ICatalogStore>().Checkpoints);
        services.AddSingleton(sp => new StreamEngine(
            options.Logger == NullLogger.Instance ? options with { Logger = Logger(sp, "Eddy.Streams") } : options,
            sp.GetRequiredService<ILogStore>(), sp.GetRequiredService<ICatalogStore>()));
        services.AddSingleton<IStreamEngine>(sp => sp.GetRequiredService<StreamEngine>());
        services.AddSingleton<IShardReaders>(sp => sp.GetRequiredService<StreamEngine>());
        services.AddHostedService<StreamEngineStartup>(); // first: the loops start on a loaded engine
        services.AddHostedService<StateTransitionsLoop>();
        services.AddHostedService<RetentionSweepLoop>();
        services.AddHostedService<OnDemandScalingLoop>();
        return services;
    }

    private static ILogger Logger(IServiceProvider services, string category) =>
        services.GetService<ILoggerFactory>()?.CreateLogger(category) ?? NullLogger.Instance;

    /// <summary>The engine's background loops, for <see cref="StreamEngine.OpenAsync"/> (no host).</summary>
    internal static IEnumerable<IHostedService> Loops(StreamEngine engine) =>
        [new StateTransitionsLoop(engine), new RetentionSweepLoop(engine), new OnDemandScalingLoop(engine)];
}
