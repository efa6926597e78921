using Eddy.Catalog;
using Eddy.Core.Glue;
using Microsoft.Extensions.DependencyInjection;

namespace Eddy.Glue.Hosting;

/// <summary>Registers the Glue Data Catalog in a host: <c>services.AddEddyGlue(account)</c>.</summary>
public static class GlueServiceCollectionExtensions
{
    /// <summary>Registers <see cref="GlueDataCatalog"/> (also as <see cref="IGlueDataCatalog"/>, which Firehose's record
    /// format conversion and the Glue API use) on the registered <see cref="ICatalogStore"/>'s <c>glue</c> area; it loads
    /// the area on first use.</summary>
    public static IServiceCollection AddEddyGlue(this IServiceCollection services, string account, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(sp => new GlueDataCatalog(sp.GetRequiredService<ICatalogStore>().Glue, account, time));
        services.AddSingleton<IGlueDataCatalog>(sp => sp.GetRequiredService<GlueDataCatalog>());
        return services;
    }
}
