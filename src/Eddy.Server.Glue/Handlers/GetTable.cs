namespace Eddy.Server.Glue.Handlers;

internal static class GetTable
{
    public static async Task HandleAsync(GlueCall c) =>
        c.Single("Table", await c.Catalog.GetTableAsync(c.CatalogId, c.String("DatabaseName")!, c.String("Name")!, c.Cancellation).ConfigureAwait(false));
}
