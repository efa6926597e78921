namespace Eddy.Catalog.Tests;

/// <summary>The <c>glue</c> area of the catalog contract.</summary>
public abstract partial class CatalogContractTests
{
    [Fact]
    public async Task Glue_databases_and_table_versions_are_saved_listed_in_order_and_deleted()
    {
        var store = Open();
        Assert.Empty(await store.Glue.LoadDatabasesAsync());
        await store.Glue.SaveDatabaseAsync(new GlueDatabaseRecord("b", """{"Name":"b"}"""));
        await store.Glue.SaveDatabaseAsync(new GlueDatabaseRecord("a", """{"Name":"a"}"""));
        await store.Glue.SaveDatabaseAsync(new GlueDatabaseRecord("a", """{"Name":"a","Description":"x"}"""));
        Assert.Equal([new GlueDatabaseRecord("a", """{"Name":"a","Description":"x"}"""), new GlueDatabaseRecord("b", """{"Name":"b"}""")],
            await store.Glue.LoadDatabasesAsync());

        await store.Glue.SaveTableVersionAsync(new GlueTableRecord("a", "t2", 1, "{}"), dropOtherVersions: true);
        await store.Glue.SaveTableVersionAsync(new GlueTableRecord("a", "t1", 1, "{\"v\":1}"), dropOtherVersions: true);
        await store.Glue.SaveTableVersionAsync(new GlueTableRecord("a", "t1", 2, "{\"v\":2}"), dropOtherVersions: false);
        await store.Glue.SaveTableVersionAsync(new GlueTableRecord("b", "t1", 1, "{}"), dropOtherVersions: true);
        Assert.Equal([("a", "t1", 1L), ("a", "t1", 2L), ("a", "t2", 1L), ("b", "t1", 1L)],
            (await store.Glue.LoadTablesAsync()).Select(t => (t.Database, t.Name, t.VersionId)));

        // SkipArchive: the new version replaces every other one.
        await store.Glue.SaveTableVersionAsync(new GlueTableRecord("a", "t1", 3, "{\"v\":3}"), dropOtherVersions: true);
        Assert.Equal([new GlueTableRecord("a", "t1", 3, "{\"v\":3}")], (await store.Glue.LoadTablesAsync()).Where(t => t.Name == "t1" && t.Database == "a"));

        Assert.True(await store.Glue.DeleteTableAsync("a", "t2"));
        Assert.False(await store.Glue.DeleteTableAsync("a", "t2"));
        Assert.True(await store.Glue.DeleteDatabaseAsync("a"));
        Assert.False(await store.Glue.DeleteDatabaseAsync("a"));
        Assert.Equal(["b"], (await store.Glue.LoadDatabasesAsync()).Select(d => d.Name));
        Assert.Equal([("b", "t1")], (await store.Glue.LoadTablesAsync()).Select(t => (t.Database, t.Name)));
    }

    [Fact]
    public async Task Glue_entries_survive_a_reopen_when_durable()
    {
        var store = Open();
        await store.Glue.SaveDatabaseAsync(new GlueDatabaseRecord("db", "{}"));
        await store.Glue.SaveTableVersionAsync(new GlueTableRecord("db", "t", 1, "{}"), dropOtherVersions: true);
        store = await ReopenAsync(store);
        if (Durable)
        {
            Assert.Single(await store.Glue.LoadDatabasesAsync());
            Assert.Equal([new GlueTableRecord("db", "t", 1, "{}")], await store.Glue.LoadTablesAsync());
        }
        else
        {
            Assert.Empty(await store.Glue.LoadDatabasesAsync());
            Assert.Empty(await store.Glue.LoadTablesAsync());
        }
    }
}
