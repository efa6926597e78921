using Eddy.Core.Glue;
using Eddy.Protocol.Model;
using Eddy.Server.Glue.Handlers;
using Microsoft.Extensions.DependencyInjection;

namespace Eddy.Server.Glue;

/// <summary>
/// The AWS Glue Data Catalog subset on Eddy's port (<c>X-Amz-Target: AWSGlue.&lt;Operation&gt;</c>, JSON 1.1, signing
/// name <c>glue</c>): databases and tables, as Firehose's record format conversion reads its schema from them. The
/// embedded model (<c>glue-2017-03-31.json</c>, botocore's model cut to these operations and their shapes by
/// tools/glue-model-subset.py) resolves and validates requests; a broken constraint is the validator's
/// <c>ValidationException</c>, as AWS's front answers it; refusals of the catalog are <see cref="GlueException"/>s.
/// </summary>
/// <remarks>Threading: called concurrently; handlers keep no state between calls.</remarks>
public sealed class GlueService(IGlueDataCatalog catalog) : JsonService(ServiceModel.Embedded(ResourceName))
{
    /// <summary>Manifest resource name of the embedded Glue model subset.</summary>
    public const string ResourceName = "glue-2017-03-31.json";

    public override async ValueTask InvokeAsync(JsonRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var action = Parse(request.Operation.Name);
        using var document = await request.ReadAsync().ConfigureAwait(false);
        var c = new GlueCall(catalog, document.RootElement, request.Output, request.Http.RequestAborted);
        await (action switch
        {
            GlueAction.CreateDatabase => CreateDatabase.HandleAsync(c),
            GlueAction.GetDatabase => GetDatabase.HandleAsync(c),
            GlueAction.GetDatabases => GetDatabases.HandleAsync(c),
            GlueAction.DeleteDatabase => DeleteDatabase.HandleAsync(c),
            GlueAction.CreateTable => CreateTable.HandleAsync(c),
            GlueAction.GetTable => GetTable.HandleAsync(c),
            GlueAction.GetTables => GetTables.HandleAsync(c),
            GlueAction.UpdateTable => UpdateTable.HandleAsync(c),
            GlueAction.DeleteTable => DeleteTable.HandleAsync(c),
            _ => throw new Core.ServiceException("UnknownOperationException", null),
        }).ConfigureAwait(false);
        c.Flush();
    }

    /// <summary>The operation's enum (once per request; the model already resolved the name).</summary>
    public static GlueAction Parse(string operation) => operation switch
    {
        "CreateDatabase" => GlueAction.CreateDatabase,
        "GetDatabase" => GlueAction.GetDatabase,
        "GetDatabases" => GlueAction.GetDatabases,
        "DeleteDatabase" => GlueAction.DeleteDatabase,
        "CreateTable" => GlueAction.CreateTable,
        "GetTable" => GlueAction.GetTable,
        "GetTables" => GlueAction.GetTables,
        "UpdateTable" => GlueAction.UpdateTable,
        "DeleteTable" => GlueAction.DeleteTable,
        _ => GlueAction.Unknown,
    };
}

/// <summary>The AWSGlue operations Eddy serves.</summary>
public enum GlueAction
{
    Unknown,
    CreateDatabase,
    GetDatabase,
    GetDatabases,
    DeleteDatabase,
    CreateTable,
    GetTable,
    GetTables,
    UpdateTable,
    DeleteTable,
}

/// <summary>Registration of the Glue API on Eddy's port.</summary>
public static class GlueServiceCollectionExtensions
{
    /// <summary>Adds Glue as a JSON service over the <see cref="IGlueDataCatalog"/> registered in the container.</summary>
    public static IServiceCollection AddGlueApi(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddSingleton<JsonService, GlueService>();
    }
}
