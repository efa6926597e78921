namespace Eddy.Server.Glue.Handlers;

internal static class UpdateTable
{
    public static async Task HandleAsync(GlueCall c) =>
        await c.Catalog.UpdateTableAsync(c.CatalogId, c.String("DatabaseName")!, c.Raw("TableInput"), c.String("VersionId"), c.Bool("SkipArchive") ?? false,
            c.Cancellation).ConfigureAwait(false);
}
