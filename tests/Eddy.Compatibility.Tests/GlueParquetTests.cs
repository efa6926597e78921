using System.Collections;
using Parquet.Serialization;
using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>
/// The Glue Data Catalog subset and Firehose's record format conversion from real clients against a real server: the
/// AWS CLI (<c>aws glue ... --endpoint-url</c>, every operation), and boto3 (<c>clients/python/glue_parquet.py</c>: a Glue
/// table, a delivery stream converting to Parquet, the object read back over S3), whose object is checked here row by
/// row with Parquet.Net.
/// </summary>
public sealed class GlueParquetTests(EddyServerFixture fixture, ITestOutputHelper output) : IClassFixture<EddyServerFixture>
{
    private readonly AwsCli _aws = new(fixture.Endpoint, output, "glue");
    private readonly string _db = "cli_" + Guid.NewGuid().ToString("N")[..6];

    [Fact]
    public async Task Boto3_Glue_table_and_a_delivery_stream_converting_JSON_to_Parquet_read_back_over_S3()
    {
        var prefix = ClientScripts.Prefix("py", "glue");
        var saved = Path.Combine(Path.GetTempPath(), prefix + ".parquet");
        try
        {
            await ClientScripts.RunScenarioAsync("python3", Path.Combine("python", "glue_parquet.py"), fixture.Server, prefix, output);

            await using var file = File.OpenRead(saved);
            var rows = (await ParquetSerializer.DeserializeUntypedAsync(file)).Data;
            Assert.Equal(3, rows.Count);
            Assert.Equal([1L, 2L, 3L], rows.Select(r => r["id"]));
            Assert.Equal(["first", "second", null], rows.Select(r => Text(r.TryGetValue("name", out var v) ? v : null)));
            Assert.Equal([9.99m, 10m, null], rows.Select(r => r.TryGetValue("price", out var v) ? (decimal?)v : null));
            Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc), ((DateTime)rows[0]["at"]!).ToUniversalTime());
            Assert.Equal(DateTime.UnixEpoch.AddMilliseconds(1700000000000), ((DateTime)rows[1]["at"]!).ToUniversalTime());
            Assert.Equal(["a", "b"], ((IEnumerable)rows[0]["tags"]!).Cast<object>().Select(Text));
            var geo = (IDictionary)rows[0]["geo"]!;
            Assert.Equal((1.5, 2.5), ((double)geo["lat"]!, (double)geo["lon"]!));
        }
        finally
        {
            File.Delete(saved);
        }
    }

    [Fact]
    public async Task Aws_cli_every_Glue_operation_and_its_errors()
    {
        await _aws.RunAsync("create-database", "--database-input", $"Name={_db},Description=cli");
        Assert.Equal("cli", (await _aws.RunAsync("get-database", "--name", _db)).GetProperty("Database").GetProperty("Description").GetString());
        Assert.Contains(_db, (await _aws.RunAsync("get-databases")).GetProperty("DatabaseList").EnumerateArray().Select(d => d.GetProperty("Name").GetString()));
        await _aws.FailsWithAsync("AlreadyExistsException", "Database already exists.", "create-database", "--database-input", $"Name={_db}");

        await _aws.RunAsync("create-table", "--database-name", _db, "--table-input",
            """{"Name":"Clicks","StorageDescriptor":{"Columns":[{"Name":"id","Type":"int"},{"Name":"url","Type":"string"}]}}""");
        var table = (await _aws.RunAsync("get-table", "--database-name", _db, "--name", "clicks")).GetProperty("Table");
        Assert.Equal(("clicks", "1"), (table.GetProperty("Name").GetString(), table.GetProperty("VersionId").GetString()));
        Assert.Equal(["id", "url"], table.GetProperty("StorageDescriptor").GetProperty("Columns").EnumerateArray().Select(c => c.GetProperty("Name").GetString()));
        await _aws.RunAsync("update-table", "--database-name", _db, "--table-input",
            """{"Name":"clicks","StorageDescriptor":{"Columns":[{"Name":"id","Type":"bigint"}]}}""");
        var tables = (await _aws.RunAsync("get-tables", "--database-name", _db)).GetProperty("TableList");
        var updated = Assert.Single(tables.EnumerateArray());
        Assert.Equal(("2", "bigint"), (updated.GetProperty("VersionId").GetString(),
            updated.GetProperty("StorageDescriptor").GetProperty("Columns")[0].GetProperty("Type").GetString()));
        await _aws.FailsWithAsync("EntityNotFoundException", "Table nope not found.", "get-table", "--database-name", _db, "--name", "nope");
        await _aws.FailsWithAsync("EntityNotFoundException", $"Database {_db}x not found.", "get-tables", "--database-name", _db + "x");

        await _aws.RunAsync("delete-table", "--database-name", _db, "--name", "clicks");
        Assert.Empty((await _aws.RunAsync("get-tables", "--database-name", _db)).GetProperty("TableList").EnumerateArray());
        await _aws.RunAsync("delete-database", "--name", _db);
        await _aws.FailsWithAsync("EntityNotFoundException", $"Database {_db} not found.", "get-database", "--name", _db);
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        ReadOnlyMemory<char> m => m.ToString(),
        _ => value.ToString(),
    };
}
