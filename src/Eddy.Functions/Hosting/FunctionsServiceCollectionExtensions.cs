using Eddy.Catalog;
using Eddy.Core.Firehose;
using Eddy.Core.Functions;
using Eddy.Functions.Firehose;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Eddy.Functions.Hosting;

/// <summary>Registers the function map and invoker in a host: <c>services.AddEddyFunctions(options)</c>.</summary>
public static class FunctionsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="FunctionMap"/> (as <see cref="IFunctionMap"/>) on the registered <see cref="ICatalogStore"/>'s
    /// <c>functions</c> area, <see cref="FunctionInvoker"/> (as <see cref="IFunctionInvoker"/>), and a hosted service
    /// that loads the map and stores <see cref="FunctionsOptions.StartupFunctions"/> when the host starts (register it
    /// after the catalog's owner; the host disposes the invoker's connection pool when it stops).
    /// </summary>
    public static IServiceCollection AddEddyFunctions(this IServiceCollection services, FunctionsOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.AddSingleton(sp => new FunctionMap(sp.GetRequiredService<ICatalogStore>().Functions, options.Time));
        services.AddSingleton<IFunctionMap>(sp => sp.GetRequiredService<FunctionMap>());
        services.AddSingleton(sp => new FunctionInvoker(sp.GetRequiredService<IFunctionMap>(), options));
        services.AddSingleton<IFunctionInvoker>(sp => sp.GetRequiredService<FunctionInvoker>());
        services.AddHostedService<FunctionMapStartup>();
        return services;
    }

    /// <summary>Registers <see cref="FunctionsFirehoseProcessor"/> as the Firehose engine's <see cref="IFirehoseProcessor"/>
    /// (a delivery stream's <c>ProcessingConfiguration</c> runs, its Lambda processors through the registered
    /// <see cref="IFunctionInvoker"/>); call it with <see cref="AddEddyFunctions"/>.</summary>
    public static IServiceCollection AddEddyFirehoseProcessing(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<IFirehoseProcessor>(sp => new FunctionsFirehoseProcessor(sp.GetRequiredService<IFunctionInvoker>(),
            sp.GetRequiredService<FunctionsOptions>().Time));
        return services;
    }
}

/// <summary>Loads the function map (and stores the start-up entries) when the host starts.</summary>
internal sealed class FunctionMapStartup(FunctionMap map, FunctionsOptions options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => map.LoadAsync(options.StartupFunctions, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
