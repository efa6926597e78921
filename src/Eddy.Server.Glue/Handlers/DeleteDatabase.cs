namespace Eddy.Server.Glue.Handlers;

internal static class DeleteDatabase
{
    public static async Task HandleAsync(GlueCall c) =>
        await c.Catalog.DeleteDatabaseAsync(c.CatalogId, c.String("Name")!, c.Cancellation).ConfigureAwait(false);
}
