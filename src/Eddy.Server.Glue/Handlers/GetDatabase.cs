namespace Eddy.Server.Glue.Handlers;

internal static class GetDatabase
{
    public static async Task HandleAsync(GlueCall c) =>
        c.Single("Database", await c.Catalog.GetDatabaseAsync(c.CatalogId, c.String("Name")!, c.Cancellation).ConfigureAwait(false));
}
