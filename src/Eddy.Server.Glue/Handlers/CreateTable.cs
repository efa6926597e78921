namespace Eddy.Server.Glue.Handlers;

internal static class CreateTable
{
    public static async Task HandleAsync(GlueCall c) =>
        await c.Catalog.CreateTableAsync(c.CatalogId, c.String("DatabaseName")!, c.Raw("TableInput"), c.Cancellation).ConfigureAwait(false);
}
