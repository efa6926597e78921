namespace Eddy.Server.Glue.Handlers;

internal static class DeleteTable
{
    public static async Task HandleAsync(GlueCall c) =>
        await c.Catalog.DeleteTableAsync(c.CatalogId, c.String("DatabaseName")!, c.String("Name")!, c.Cancellation).ConfigureAwait(false);
}
