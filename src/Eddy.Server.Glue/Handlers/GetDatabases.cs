namespace Eddy.Server.Glue.Handlers;

internal static class GetDatabases
{
    public static async Task HandleAsync(GlueCall c) =>
        c.Page("DatabaseList", await c.Catalog.GetDatabasesAsync(c.CatalogId, c.String("NextToken"), c.Int("MaxResults"), c.Cancellation).ConfigureAwait(false));
}
