using Eddy.Testing;
using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>The Redshift destination end to end: a real PostgreSQL started by the test as the cluster, a real
/// <c>eddy serve</c>, boto3 creating the delivery stream, putting records and reading the staged object and manifest
/// back over the S3 API (<c>clients/python/firehose_redshift.py</c>); the rows are then read from PostgreSQL.</summary>
public sealed class FirehoseRedshiftTests(PostgresServer pg, ITestOutputHelper output) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task Boto3_delivery_stream_loads_JSON_records_into_PostgreSQL_through_a_staged_object_and_manifest()
    {
        var db = await pg.CreateDatabaseAsync();
        await pg.ExecuteAsync(db, "CREATE TABLE sales (id int PRIMARY KEY, name varchar(20), amount numeric(8,2), loaded timestamptz DEFAULT now())");
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { InMemory = true });
        var script = ClientScripts.Dir(Path.Combine("python", "firehose_redshift.py"));
        var result = await ToolRunner.RunAsync("python3",
            [script, server.Endpoint.ToString().TrimEnd('/'), ClientScripts.Prefix("py", "fhrs"), pg.JdbcUrl(db), pg.User, pg.Password, "public.Sales"],
            new ToolRunOptions { WorkingDirectory = Path.GetDirectoryName(script), Timeout = TimeSpan.FromMinutes(3) });
        output.WriteLine(result.Describe());
        Assert.True(result.Succeeded && !result.StdOut.Contains("\nFAIL ", StringComparison.Ordinal), result.Describe() + "\n--- server ---\n" + server.Output);

        var rows = await pg.QueryAsync(db, "SELECT id, name, amount FROM sales ORDER BY id");
        Assert.Equal("1 ann 2.50|2 bob 10.00|3 NULL NULL", string.Join('|', rows.Select(r => string.Join(' ', r.Select(v => v ?? "NULL")))));
        var loads = await pg.QueryAsync(db, "SELECT count(*) FROM eddy_firehose_loads");
        Assert.Equal("1", loads[0][0]);
    }
}
