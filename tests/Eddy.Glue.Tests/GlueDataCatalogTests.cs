using System.Text.Json;
using Eddy.Catalog;
using Eddy.Core.Glue;
using Microsoft.Extensions.Time.Testing;

namespace Eddy.Glue.Tests;

/// <summary>The Glue Data Catalog engine on the catalog: names in lower case, Glue's errors, table versions, listings
/// with pages and expressions, and what survives a reopen of the SQLite catalog.</summary>
public sealed class GlueDataCatalogTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
    private readonly string _directory = Directory.CreateTempSubdirectory("eddy-glue-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private GlueDataCatalog Open(ICatalogStore store) => new(store.Glue, "123456789012", _time);

    /// <summary>A TableInput with columns c0, c1, ... of <paramref name="types"/>.</summary>
    private static string Table(string name, params string[] types) =>
        JsonSerializer.Serialize(new { Name = name, StorageDescriptor = new { Columns = types.Select((t, i) => new { Name = "c" + i, Type = t }) } });

    [Fact]
    public async Task Names_are_lower_case_and_errors_are_Glues()
    {
        using var glue = Open(new MemoryCatalogStore());
        await glue.CreateDatabaseAsync(null, """{"Name":"Sales","Description":"d"}""");
        using (var db = JsonDocument.Parse(await glue.GetDatabaseAsync(null, "SALES")))
        {
            Assert.Equal("sales", db.RootElement.GetProperty("Name").GetString());
            Assert.Equal("123456789012", db.RootElement.GetProperty("CatalogId").GetString());
            Assert.Equal(_time.GetUtcNow().ToUnixTimeSeconds(), db.RootElement.GetProperty("CreateTime").GetDouble());
        }
        var again = await Assert.ThrowsAsync<GlueException>(() => glue.CreateDatabaseAsync(null, """{"Name":"sales"}""").AsTask());
        Assert.Equal(("AlreadyExistsException", "Database already exists."), (again.ErrorType, again.Message));
        var missing = await Assert.ThrowsAsync<GlueException>(() => glue.CreateTableAsync(null, "nope", """{"Name":"t"}""").AsTask());
        Assert.Equal(("EntityNotFoundException", "Database nope not found."), (missing.ErrorType, missing.Message));
        var otherCatalog = await Assert.ThrowsAsync<GlueException>(() => glue.GetDatabaseAsync("999999999999", "sales").AsTask());
        Assert.Equal("EntityNotFoundException", otherCatalog.ErrorType);

        await glue.CreateTableAsync("123456789012", "Sales", Table("Orders", "int"));
        using var table = JsonDocument.Parse(await glue.GetTableAsync(null, "sales", "ORDERS"));
        Assert.Equal(("orders", "sales", "1"), (table.RootElement.GetProperty("Name").GetString(), table.RootElement.GetProperty("DatabaseName").GetString(),
            table.RootElement.GetProperty("VersionId").GetString()));
        Assert.Equal(0, table.RootElement.GetProperty("PartitionKeys").GetArrayLength());
        var duplicate = await Assert.ThrowsAsync<GlueException>(() => glue.CreateTableAsync(null, "sales", """{"Name":"orders"}""").AsTask());
        Assert.Equal(("AlreadyExistsException", "Table already exists."), (duplicate.ErrorType, duplicate.Message));
        var noTable = await Assert.ThrowsAsync<GlueException>(() => glue.GetTableAsync(null, "sales", "x").AsTask());
        Assert.Equal(("EntityNotFoundException", "Table x not found."), (noTable.ErrorType, noTable.Message));
    }

    [Fact]
    public async Task UpdateTable_adds_versions_that_a_schema_read_can_name_and_SkipArchive_drops_the_older()
    {
        using var glue = Open(new MemoryCatalogStore());
        await glue.CreateDatabaseAsync(null, """{"Name":"db"}""");
        await glue.CreateTableAsync(null, "db", Table("t", "int"));
        await glue.UpdateTableAsync(null, "db", Table("t", "int", "string"), "1", skipArchive: false);
        var stale = await Assert.ThrowsAsync<GlueException>(() => glue.UpdateTableAsync(null, "db", """{"Name":"t"}""", "1", false).AsTask());
        Assert.Equal("ConcurrentModificationException", stale.ErrorType);

        Assert.Equal(["int", "string"], (await glue.GetTableSchemaAsync(null, "db", "t", null)).Columns.Select(c => c.Type));
        Assert.Equal(["int", "string"], (await glue.GetTableSchemaAsync(null, "db", "t", "LATEST")).Columns.Select(c => c.Type));
        var v1 = await glue.GetTableSchemaAsync(null, "db", "t", "1");
        Assert.Equal("1", v1.VersionId);
        Assert.Equal([new GlueColumn("c0", "int")], v1.Columns);

        await glue.UpdateTableAsync(null, "db", Table("t", "bigint"), null, skipArchive: true);
        Assert.Equal("3", (await glue.GetTableSchemaAsync(null, "db", "t", "3")).VersionId);
        var gone = await Assert.ThrowsAsync<GlueException>(() => glue.GetTableSchemaAsync(null, "db", "t", "1").AsTask());
        Assert.Equal(("EntityNotFoundException", "Version 1 of table t not found."), (gone.ErrorType, gone.Message));
    }

    [Fact]
    public async Task GetTables_pages_in_name_order_and_filters_by_expression()
    {
        using var glue = Open(new MemoryCatalogStore());
        await glue.CreateDatabaseAsync(null, """{"Name":"db"}""");
        foreach (var name in (string[])["b_events", "a_events", "clicks"])
        {
            await glue.CreateTableAsync(null, "db", $$"""{"Name":"{{name}}"}""");
        }
        var first = await glue.GetTablesAsync(null, "db", null, null, 2);
        Assert.Equal(["a_events", "b_events"], first.ItemsJson.Select(Name));
        var second = await glue.GetTablesAsync(null, "db", null, first.NextToken, 2);
        Assert.Equal(["clicks"], second.ItemsJson.Select(Name));
        Assert.Null(second.NextToken);
        Assert.Equal(["a_events", "b_events"], (await glue.GetTablesAsync(null, "db", "*events", null, null)).ItemsJson.Select(Name));
        Assert.Equal(["clicks"], (await glue.GetTablesAsync(null, "db", "cl.*", null, null)).ItemsJson.Select(Name));
        var bad = await Assert.ThrowsAsync<GlueException>(() => glue.GetTablesAsync(null, "db", "(", null, null).AsTask());
        Assert.Equal("InvalidInputException", bad.ErrorType);
    }

    [Fact]
    public async Task Databases_and_tables_survive_a_reopen_of_the_SQLite_catalog_and_DeleteDatabase_takes_its_tables()
    {
        var path = Path.Combine(_directory, "catalog.db");
        await using (var store = SqliteCatalogStore.Open(path))
        {
            using var glue = Open(store);
            await glue.CreateDatabaseAsync(null, """{"Name":"db"}""");
            await glue.CreateDatabaseAsync(null, """{"Name":"gone"}""");
            await glue.CreateTableAsync(null, "db", Table("t", "int"));
            await glue.UpdateTableAsync(null, "db", Table("t", "string"), null, false);
            await glue.CreateTableAsync(null, "gone", """{"Name":"t"}""");
            await glue.DeleteDatabaseAsync(null, "gone");
        }
        await using (var store = SqliteCatalogStore.Open(path))
        {
            using var glue = Open(store);
            Assert.Equal(["db"], (await glue.GetDatabasesAsync(null, null, null)).ItemsJson.Select(Name));
            Assert.Equal("int", (await glue.GetTableSchemaAsync(null, "db", "t", "1")).Columns[0].Type);
            Assert.Equal("string", (await glue.GetTableSchemaAsync(null, "db", "t", null)).Columns[0].Type);
            await glue.CreateDatabaseAsync(null, """{"Name":"gone"}""");
            Assert.Empty((await glue.GetTablesAsync(null, "gone", null, null, null)).ItemsJson);
            await glue.DeleteTableAsync(null, "db", "t");
            Assert.Empty((await glue.GetTablesAsync(null, "db", null, null, null)).ItemsJson);
        }
    }

    private static string Name(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("Name").GetString()!;
    }
}
