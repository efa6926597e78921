using Eddy.Catalog;
using Eddy.Core;
using Eddy.Core.Firehose;
using Eddy.Core.Glue;
using Eddy.Core.Objects;
using Eddy.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Eddy.Firehose.Hosting;

/// <summary>Registers Firehose in a host: <c>services.AddEddyFirehose(options)</c>.</summary>
public static class FirehoseServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="FirehoseEngine"/> (also as <see cref="IFirehoseEngine"/> and <see cref="IFirehoseMetrics"/>)
    /// on the container's <see cref="ILogStore"/>, <see cref="ICatalogStore"/> and <see cref="IObjectStore"/> (all required;
    /// <see cref="FirehoseOptions.DeliveryObjects"/> replaces the last),
    /// with <see cref="IShardReaders"/> for Kinesis-sourced delivery streams and an <see cref="IFirehoseProcessor"/> when
    /// registered and the <see cref="IGlueDataCatalog"/> (record format conversion) when registered; and a hosted service that starts the engine (loads, recovers, starts the delivery loops) and on stop
    /// flushes every buffer and stops them. Register it after Data Streams (its readers start first).
    /// </summary>
    public static IServiceCollection AddEddyFirehose(this IServiceCollection services, FirehoseOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(sp => new FirehoseEngine(
            options.Logger == NullLogger.Instance ? options with { Logger = sp.GetService<ILoggerFactory>()?.CreateLogger("Eddy.Firehose") ?? NullLogger.Instance } : options,
            sp.GetRequiredService<ILogStore>(), sp.GetRequiredService<ICatalogStore>(), options.DeliveryObjects ?? sp.GetRequiredService<IObjectStore>(),
            sp.GetService<IShardReaders>(), sp.GetService<IFirehoseProcessor>(), sp.GetService<IGlueDataCatalog>()));
        services.AddSingleton<IFirehoseEngine>(sp => sp.GetRequiredService<FirehoseEngine>());
        services.AddSingleton<IFirehoseMetrics>(sp => sp.GetRequiredService<FirehoseEngine>());
        services.AddHostedService<FirehoseEngineService>();
        return services;
    }
}

/// <summary>Starts the Firehose engine with the host and stops it (flushing every buffer) when the host stops.</summary>
internal sealed class FirehoseEngineService(FirehoseEngine engine) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => engine.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => engine.StopAsync();
}
