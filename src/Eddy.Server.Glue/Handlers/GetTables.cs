namespace Eddy.Server.Glue.Handlers;

internal static class GetTables
{
    public static async Task HandleAsync(GlueCall c) =>
        c.Page("TableList", await c.Catalog.GetTablesAsync(c.CatalogId, c.String("DatabaseName")!, c.String("Expression"), c.String("NextToken"),
            c.Int("MaxResults"), c.Cancellation).ConfigureAwait(false));
}
