namespace Eddy.Server.Glue.Handlers;

internal static class CreateDatabase
{
    public static async Task HandleAsync(GlueCall c) =>
        await c.Catalog.CreateDatabaseAsync(c.CatalogId, c.Raw("DatabaseInput"), c.Cancellation).ConfigureAwait(false);
}
