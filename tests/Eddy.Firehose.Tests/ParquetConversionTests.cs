using System.Collections;
using System.Text;
using System.Text.Json;
using Eddy.Catalog;
using Eddy.Core.Firehose;
using Eddy.Glue;
using Eddy.Objects;
using Eddy.Storage;
using Microsoft.Extensions.Time.Testing;
using Parquet;
using Parquet.Serialization;

namespace Eddy.Firehose.Tests;

/// <summary>Record format conversion (JSON → Parquet with a Glue table's columns) on the memory twins and a fake clock:
/// objects read back with Parquet.Net row by row, the deserializers' options, records that do not convert, the checks at
/// create, a table missing at delivery.</summary>
public sealed class ParquetConversionTests : IAsyncLifetime
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
    private readonly MemoryLogStore _logs;
    private readonly MemoryCatalogStore _catalog = new();
    private readonly HeldObjectStore _objects;
    private readonly GlueDataCatalog _glue;
    private FirehoseEngine? _engine;

    private const string AllTypes = """
        [{"Name":"id","Type":"int"},{"Name":"name","Type":"string"},{"Name":"big","Type":"bigint"},{"Name":"small","Type":"smallint"},
         {"Name":"tiny","Type":"tinyint"},{"Name":"ratio","Type":"double"},{"Name":"f","Type":"float"},{"Name":"ok","Type":"boolean"},
         {"Name":"ts","Type":"timestamp"},{"Name":"day","Type":"date"},{"Name":"price","Type":"decimal(10,2)"},{"Name":"code","Type":"varchar(8)"},
         {"Name":"tags","Type":"array<string>"},{"Name":"attrs","Type":"map<string,int>"},{"Name":"geo","Type":"struct<lat:double,lon:double>"},
         {"Name":"items","Type":"array<struct<sku:string,qty:int>>"}]
        """;

    public ParquetConversionTests()
    {
        _logs = new MemoryLogStore(_time);
        _objects = new HeldObjectStore(new MemoryObjectStore(_time));
        _glue = new GlueDataCatalog(_catalog.Glue, "000000000000", _time);
    }

    public async Task InitializeAsync()
    {
        await _objects.CreateBucketAsync("lake", CancellationToken.None);
        await _glue.CreateDatabaseAsync(null, """{"Name":"analytics"}""");
    }

    public async Task DisposeAsync()
    {
        if (_engine is not null)
        {
            await _engine.DisposeAsync();
        }
        await _logs.DisposeAsync();
        _glue.Dispose();
    }

    private async Task<FirehoseEngine> StartAsync(bool withGlue = true)
    {
        _engine = new FirehoseEngine(new FirehoseOptions { Time = _time }, _logs, _catalog, _objects, glue: withGlue ? _glue : null);
        await _engine.StartAsync();
        return _engine;
    }

    private Task TableAsync(string name, string columnsJson) =>
        _glue.CreateTableAsync(null, "analytics", $$$"""{"Name":"{{{name}}}","StorageDescriptor":{"Columns":{{{columnsJson}}}}}""").AsTask();

    private static DestinationInput Converting(string table, string deserializer = """{"OpenXJsonSerDe":{}}""", string serializer = """{"ParquetSerDe":{}}""",
        string buffering = """{"SizeInMBs":64,"IntervalInSeconds":0}""", string extra = "", string schemaExtra = "") =>
        new("ExtendedS3DestinationConfiguration", $$$"""
            {"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::lake","Prefix":"events/"
             {{{(buffering.Length > 0 ? ",\"BufferingHints\":" + buffering : "")}}}{{{extra}}},
             "DataFormatConversionConfiguration":{"SchemaConfiguration":{"RoleARN":"arn:aws:iam::000000000000:role/r","DatabaseName":"analytics","TableName":"{{{table}}}"{{{schemaExtra}}}},
               "InputFormatConfiguration":{"Deserializer":{{{deserializer}}}},"OutputFormatConfiguration":{"Serializer":{{{serializer}}}}
             }}
            """);

    private static Task CreateAsync(FirehoseEngine engine, string name, DestinationInput destination) =>
        engine.CreateDeliveryStreamAsync(new CreateDeliveryStreamInput(name, null, null, null, [destination], [])).AsTask();

    private static Task PutAsync(FirehoseEngine engine, string name, params string[] records) =>
        engine.PutRecordsAsync(name, [.. records.Select(r => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(r))]).AsTask();

    private static Task SettledAsync(FirehoseEngine engine, string name, long records) =>
        engine.WaitForMetricsAsync(name, m => m.DeliveryRecords + m.ProcessingFailedRecords >= records, CancellationToken.None).WaitAsync(s_wait);

    private async Task<List<IDictionary<string, object?>>> ReadRowsAsync(byte[] parquet)
    {
        using var stream = new MemoryStream(parquet);
        var result = await ParquetSerializer.DeserializeUntypedAsync(stream);
        return [.. result.Data.Select(d => (IDictionary<string, object?>)d)];
    }

    private static object? Plain(object? value) => value switch
    {
        null => null,
        ReadOnlyMemory<char> m => m.ToString(),
        string s => s,
        IDictionary d => d.Keys.Cast<object>().ToDictionary(k => Plain(k)!.ToString()!, k => Plain(d[k])),
        IEnumerable e => e.Cast<object?>().Select(Plain).ToList(),
        _ => value,
    };

    [Fact]
    public async Task Records_become_one_Parquet_object_with_the_table_columns_read_back_row_by_row()
    {
        await TableAsync("events", AllTypes);
        var engine = await StartAsync();
        await CreateAsync(engine, "ev", Converting("events"));
        await PutAsync(engine, "ev",
            """{"ID":1,"Name":"first","big":9007199254740993,"small":-2,"tiny":"7","ratio":0.5,"f":1.25,"ok":true,"ts":"2024-01-02 03:04:05.5","day":"2024-02-29","price":"12.345","code":"A1","tags":["x","y"],"attrs":{"k":3},"geo":{"lat":1.5,"LON":-2.5},"items":[{"sku":"s1","qty":2}],"extra":"ignored"}""" + "\n",
            """{"id":2,"ok":false,"ts":1700000000123,"name":null}""",
            """{"id":"3","ts":"2024-05-06T07:08:09Z","price":7}""");
        await SettledAsync(engine, "ev", 3);

        var (key, data) = Assert.Single(await _objects.ReadAllAsync("lake"));
        Assert.StartsWith("events/2026/03/04/05/ev-1-2026-03-04-05-06-07-", key, StringComparison.Ordinal);
        Assert.DoesNotContain(".", key[(key.LastIndexOf('/') + 1)..], StringComparison.Ordinal); // no extension, as AWS names them
        Assert.Equal("PAR1"u8.ToArray(), data[..4]);

        using (var stream = new MemoryStream(data))
        {
            await using var reader = await ParquetReader.CreateAsync(stream);
            Assert.Equal(["id", "name", "big", "small", "tiny", "ratio", "f", "ok", "ts", "day", "price", "code", "tags", "attrs", "geo", "items"],
                reader.Schema.Fields.Select(f => f.Name));
            Assert.Equal(Parquet.Meta.CompressionCodec.SNAPPY, reader.Metadata!.RowGroups[0].Columns[0].MetaData!.Codec);
        }
        var rows = await ReadRowsAsync(data);
        Assert.Equal(3, rows.Count);
        var first = rows[0];
        Assert.Equal(1, first["id"]);
        Assert.Equal("first", Plain(first["name"]));
        Assert.Equal(9007199254740993L, first["big"]);
        Assert.Equal((short)-2, first["small"]);
        Assert.Equal((sbyte)7, first["tiny"]);
        Assert.Equal(0.5, first["ratio"]);
        Assert.Equal(1.25f, first["f"]);
        Assert.Equal(true, first["ok"]);
        Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, 500, DateTimeKind.Utc), ((DateTime)first["ts"]!).ToUniversalTime());
        Assert.Equal(new DateTime(2024, 2, 29), ((DateTime)first["day"]!).Date);
        Assert.Equal(12.35m, first["price"]);
        Assert.Equal("A1", Plain(first["code"]));
        Assert.Equal(["x", "y"], (List<object?>)Plain(first["tags"])!);
        Assert.Equal(new Dictionary<string, object?> { ["k"] = 3 }, (Dictionary<string, object?>)Plain(first["attrs"])!);
        Assert.Equal(new Dictionary<string, object?> { ["lat"] = 1.5, ["lon"] = -2.5 }, (Dictionary<string, object?>)Plain(first["geo"])!);
        var item = Assert.Single((List<object?>)Plain(first["items"])!);
        Assert.Equal(new Dictionary<string, object?> { ["sku"] = "s1", ["qty"] = 2 }, (Dictionary<string, object?>)item!);

        var second = rows[1];
        Assert.Equal(2, second["id"]);
        Assert.Equal(false, second["ok"]);
        Assert.Equal(DateTime.UnixEpoch.AddMilliseconds(1700000000123), ((DateTime)second["ts"]!).ToUniversalTime());
        Assert.Null(second.TryGetValue("name", out var name) ? name : null);
        Assert.Null(second.TryGetValue("price", out var price) ? price : null);

        var third = rows[2];
        Assert.Equal(3, third["id"]);
        Assert.Equal(new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc), ((DateTime)third["ts"]!).ToUniversalTime());
        Assert.Equal(7m, third["price"]);
        var metrics = Assert.Single(engine.Snapshot());
        Assert.Equal((3L, 0L, 1L), (metrics.DeliveryRecords, metrics.ProcessingFailedRecords, metrics.DeliveryObjects));
    }

    [Fact]
    public async Task Records_that_do_not_convert_go_to_format_conversion_failed_with_AWS_fields_and_the_rest_is_delivered()
    {
        await TableAsync("events", """[{"Name":"id","Type":"int"},{"Name":"tags","Type":"array<string>"}]""");
        var engine = await StartAsync();
        await CreateAsync(engine, "ev", Converting("events"));
        await PutAsync(engine, "ev", """{"id":1}""", "not json", """{"id":"x"}""", """[1,2]""", """{"tags":"notalist"}""", """{"id":2}""");
        await SettledAsync(engine, "ev", 6);

        var objects = await _objects.ReadAllAsync("lake");
        Assert.Equal(2, objects.Count);
        var parquet = Assert.Single(objects, o => o.Key.StartsWith("events/2026/", StringComparison.Ordinal)).Value;
        Assert.Equal([1, 2], (await ReadRowsAsync(parquet)).Select(r => r["id"]));
        var (errorKey, error) = Assert.Single(objects, o => o.Key.StartsWith("events/format-conversion-failed/2026/03/04/05/ev-1-", StringComparison.Ordinal));
        var lines = Encoding.UTF8.GetString(error).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        using var document = JsonDocument.Parse(lines[0]);
        var root = document.RootElement;
        Assert.Equal(["attemptsMade", "arrivalTimestamp", "lastErrorCode", "lastErrorMessage", "attemptEndingTimestamp", "rawData", "sequenceNumber", "subSequenceNumber", "dataCatalogTable"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("DataFormatConversion.MalformedData", root.GetProperty("lastErrorCode").GetString());
        Assert.Equal("not json", Encoding.UTF8.GetString(root.GetProperty("rawData").GetBytesFromBase64()));
        Assert.Equal(_time.GetUtcNow().ToUnixTimeMilliseconds(), root.GetProperty("arrivalTimestamp").GetInt64());
        Assert.Equal("""{"catalogId":"000000000000","databaseName":"analytics","tableName":"events","region":"us-east-1","versionId":"1","catalogArn":"arn:aws:glue:us-east-1:000000000000:catalog"}""",
            root.GetProperty("dataCatalogTable").GetRawText());
        Assert.Equal(["""{"id":"x"}""", "[1,2]", """{"tags":"notalist"}"""],
            lines.Skip(1).Select(l => Encoding.UTF8.GetString(JsonDocument.Parse(l).RootElement.GetProperty("rawData").GetBytesFromBase64())));
        var metrics = Assert.Single(engine.Snapshot());
        Assert.Equal((2L, 4L), (metrics.DeliveryRecords, metrics.ProcessingFailedRecords));
    }

    [Fact]
    public async Task OpenX_options_map_keys_to_columns_and_Hive_SerDe_reads_its_timestamp_formats()
    {
        await TableAsync("mapped", """[{"Name":"ts","Type":"timestamp"},{"Name":"a_b","Type":"string"},{"Name":"upper","Type":"string"}]""");
        await TableAsync("hive", """[{"Name":"t1","Type":"timestamp"},{"Name":"t2","Type":"timestamp"}]""");
        var engine = await StartAsync();
        await CreateAsync(engine, "openx", Converting("mapped",
            """{"OpenXJsonSerDe":{"CaseInsensitive":false,"ConvertDotsInJsonKeysToUnderscores":true,"ColumnToJsonKeyMappings":{"ts":"timestamp"}}}"""));
        await CreateAsync(engine, "hive", Converting("hive", """{"HiveJsonSerDe":{"TimestampFormats":["millis","yyyy/MM/dd HH:mm"]}}"""));
        await PutAsync(engine, "openx", """{"timestamp":"2024-01-02 03:04:05","a.b":"dots","UPPER":"not matched","upper":"matched"}""");
        await PutAsync(engine, "hive", """{"t1":1700000000123,"t2":"2024/01/02 03:04"}""");
        await SettledAsync(engine, "openx", 1);
        await SettledAsync(engine, "hive", 1);

        var objects = await _objects.ReadAllAsync("lake");
        Assert.Equal(2, objects.Count);
        foreach (var (key, data) in objects)
        {
            var row = Assert.Single(await ReadRowsAsync(data));
            if (key.Contains("/openx-", StringComparison.Ordinal))
            {
                Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc), ((DateTime)row["ts"]!).ToUniversalTime());
                Assert.Equal("dots", Plain(row["a_b"]));
                Assert.Equal("matched", Plain(row["upper"]));
            }
            else
            {
                Assert.Equal(DateTime.UnixEpoch.AddMilliseconds(1700000000123), ((DateTime)row["t1"]!).ToUniversalTime());
                Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 0, DateTimeKind.Utc), ((DateTime)row["t2"]!).ToUniversalTime());
            }
        }
    }

    [Theory]
    [InlineData("GZIP", Parquet.Meta.CompressionCodec.GZIP)]
    [InlineData("UNCOMPRESSED", Parquet.Meta.CompressionCodec.UNCOMPRESSED)]
    [InlineData("SNAPPY", Parquet.Meta.CompressionCodec.SNAPPY)]
    public async Task ParquetSerDe_compression_is_the_codec_inside_the_file(string compression, Parquet.Meta.CompressionCodec codec)
    {
        await TableAsync("events", """[{"Name":"id","Type":"bigint"}]""");
        var engine = await StartAsync();
        await CreateAsync(engine, "ev", Converting("events", serializer: $$$"""{"ParquetSerDe":{"Compression":"{{{compression}}}"}}"""));
        await PutAsync(engine, "ev", [.. Enumerable.Range(0, 100).Select(i => $$$"""{"id":{{{i}}}}""")]);
        await SettledAsync(engine, "ev", 100);

        var (_, data) = Assert.Single(await _objects.ReadAllAsync("lake"));
        using var stream = new MemoryStream(data);
        await using var reader = await ParquetReader.CreateAsync(stream);
        Assert.Equal(codec, reader.Metadata!.RowGroups[0].Columns[0].MetaData!.Codec);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (object?)(long)i), (await ReadRowsAsync(data)).Select(r => r["id"]));
    }

    [Theory]
    [InlineData("missing", "", "", "The Glue table analytics.missing could not be read for DataFormatConversionConfiguration: Table missing not found.")]
    [InlineData("events", """{"SizeInMBs":5,"IntervalInSeconds":60}""", "", "BufferingHints.SizeInMBs must be at least 64 when DataFormatConversionConfiguration is enabled.")]
    [InlineData("events", "", ",\"CompressionFormat\":\"GZIP\"", "CompressionFormat GZIP is not supported when DataFormatConversionConfiguration is enabled; choose the compression in ParquetSerDe.Compression and set CompressionFormat to UNCOMPRESSED.")]
    [InlineData("odd", "", "", "The type 'uniontype<int,string>' of column 'u' in the Glue table is not supported for record format conversion by Eddy.")]
    public async Task Configurations_Eddy_cannot_convert_are_refused_at_create(string table, string buffering, string extra, string message)
    {
        await TableAsync("events", """[{"Name":"id","Type":"int"}]""");
        await TableAsync("odd", """[{"Name":"u","Type":"uniontype<int,string>"}]""");
        var engine = await StartAsync();
        var e = await Assert.ThrowsAsync<FirehoseException>(() => CreateAsync(engine, "ev", Converting(table, buffering: buffering, extra: extra)));
        Assert.Equal(("InvalidArgumentException", message), (e.ErrorType, e.Message));
        Assert.Empty((await engine.ListDeliveryStreamsAsync(null, null, null)).Names);
    }

    [Fact]
    public async Task OrcSerDe_two_deserializers_and_a_server_without_Glue_are_refused()
    {
        await TableAsync("events", """[{"Name":"id","Type":"int"}]""");
        var engine = await StartAsync(withGlue: false);
        var orc = await Assert.ThrowsAsync<FirehoseException>(() => CreateAsync(engine, "ev", Converting("events", serializer: """{"OrcSerDe":{}}""")));
        Assert.Equal("OrcSerDe is not supported by Eddy: use ParquetSerDe for record format conversion.", orc.Message);
        var both = await Assert.ThrowsAsync<FirehoseException>(() => CreateAsync(engine, "ev", Converting("events", deserializer: """{"OpenXJsonSerDe":{},"HiveJsonSerDe":{}}""")));
        Assert.Equal("InputFormatConfiguration.Deserializer must specify exactly one of OpenXJsonSerDe and HiveJsonSerDe.", both.Message);
        var noGlue = await Assert.ThrowsAsync<FirehoseException>(() => CreateAsync(engine, "ev", Converting("events")));
        Assert.Equal("DataFormatConversionConfiguration is not supported by this server: it has no Glue Data Catalog.", noGlue.Message);
    }

    [Fact]
    public async Task Without_BufferingHints_conversion_buffers_128_MiB_and_a_disabled_conversion_delivers_JSON()
    {
        await TableAsync("events", """[{"Name":"id","Type":"int"}]""");
        var engine = await StartAsync();
        await CreateAsync(engine, "ev", Converting("events", buffering: ""));
        var description = (await engine.DescribeDeliveryStreamAsync("ev")).DestinationJson;
        Assert.Contains("\"BufferingHints\":{\"SizeInMBs\":128,\"IntervalInSeconds\":300}", description, StringComparison.Ordinal);

        await CreateAsync(engine, "off", new DestinationInput("ExtendedS3DestinationConfiguration", """
            {"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::lake","BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0},
             "DataFormatConversionConfiguration":{"Enabled":false,"SchemaConfiguration":{"DatabaseName":"analytics","TableName":"gone"}}}
            """));
        await PutAsync(engine, "off", """{"id":1}""");
        await SettledAsync(engine, "off", 1);
        Assert.Equal("""{"id":1}""", Encoding.UTF8.GetString(Assert.Single(await _objects.ReadAllAsync("lake")).Value));
    }

    [Fact]
    public async Task A_table_missing_at_delivery_is_retried_until_it_is_back_and_VersionId_pins_the_columns()
    {
        await TableAsync("events", """[{"Name":"id","Type":"int"}]""");
        var engine = await StartAsync();
        await CreateAsync(engine, "ev", Converting("events", schemaExtra: ",\"VersionId\":\"1\""));
        await _glue.DeleteTableAsync(null, "analytics", "events");
        await PutAsync(engine, "ev", """{"id":1,"name":"n"}""");
        await engine.WaitForMetricsAsync("ev", m => m.DeliveryAttempts >= 1, CancellationToken.None).WaitAsync(s_wait);
        _time.Advance(TimeSpan.FromSeconds(1));
        await engine.WaitForMetricsAsync("ev", m => m.DeliveryAttempts >= 2, CancellationToken.None).WaitAsync(s_wait);
        Assert.Empty(await _objects.ReadAllAsync("lake"));

        // Back, then updated to version 2 with one more column: the stream asked for version 1.
        await TableAsync("events", """[{"Name":"id","Type":"int"}]""");
        await _glue.UpdateTableAsync(null, "analytics", """{"Name":"events","StorageDescriptor":{"Columns":[{"Name":"id","Type":"int"},{"Name":"name","Type":"string"}]}}""", null, false);
        _time.Advance(TimeSpan.FromSeconds(2));
        await SettledAsync(engine, "ev", 1);
        var (_, data) = Assert.Single(await _objects.ReadAllAsync("lake"));
        var row = Assert.Single(await ReadRowsAsync(data));
        Assert.Equal(["id"], row.Keys);
        Assert.Equal(1, row["id"]);
    }
}
