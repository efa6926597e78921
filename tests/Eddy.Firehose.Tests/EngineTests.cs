using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Eddy.Core.Firehose;

namespace Eddy.Firehose.Tests;

/// <summary>The engine on the memory twins and a fake clock: buffering hints, key layout, compression, retries while the
/// bucket is missing, exactly once across a crash between an object's put and its checkpoint, shutdown flushes.</summary>
public sealed class EngineTests : EngineBed
{
    private static DestinationInput S3(int sizeMb = 1, int intervalSeconds = 60, string compression = "UNCOMPRESSED", string? prefix = null, string? errorPrefix = null) =>
        new("ExtendedS3DestinationConfiguration", $$"""
            {"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::bucket",
             "BufferingHints":{"SizeInMBs":{{sizeMb}},"IntervalInSeconds":{{intervalSeconds}}},"CompressionFormat":"{{compression}}"
             {{(prefix is null ? "" : $",\"Prefix\":\"{prefix}\"")}}{{(errorPrefix is null ? "" : $",\"ErrorOutputPrefix\":\"{errorPrefix}\"")}}}
            """);

    private static Task CreateAsync(FirehoseEngine engine, string name, DestinationInput destination) =>
        engine.CreateDeliveryStreamAsync(new CreateDeliveryStreamInput(name, null, null, null, [destination], [])).AsTask();

    private static ReadOnlyMemory<byte>[] Records(int count, int size, char fill = 'x') =>
        [.. Enumerable.Range(0, count).Select(i => (ReadOnlyMemory<byte>)Encoding.ASCII.GetBytes(i.ToString("D8", null).PadRight(size - 1, fill) + "\n"))];

    private Task DeliveredAsync(FirehoseEngine engine, string name, long records) =>
        engine.WaitForMetricsAsync(name, m => m.DeliveryRecords >= records, CancellationToken.None).WaitAsync(Wait);

    [Fact]
    public async Task The_interval_flushes_one_object_with_AWS_key_layout_and_the_records_concatenated()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "orders", S3(intervalSeconds: 60));
        var hello = Encoding.ASCII.GetBytes("hello\n");
        for (var i = 0; i < 3; i++)
        {
            await engine.PutRecordsAsync("orders", [hello]);
        }
        Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Empty(await Objects.ReadAllAsync("bucket"));
        Time.Advance(TimeSpan.FromSeconds(1));
        await DeliveredAsync(engine, "orders", 3);

        var (key, data) = Assert.Single(await Objects.ReadAllAsync("bucket"));
        Assert.Matches(new Regex("^2026/03/04/05/orders-1-2026-03-04-05-06-07-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"), key);
        Assert.Equal("hello\nhello\nhello\n", Encoding.ASCII.GetString(data));
        var metrics = Assert.Single(engine.Snapshot());
        Assert.Equal((3, 18L, 3L, 18L, 1L), (metrics.IncomingRecords, metrics.IncomingBytes, metrics.DeliveryRecords, metrics.DeliveryBytes, metrics.DeliveryObjects));
    }

    [Fact]
    public async Task The_size_hint_flushes_before_the_interval_and_the_rest_waits_for_it()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "big", S3(sizeMb: 1, intervalSeconds: 900));
        var batch = Records(500, 1024);
        for (var i = 0; i < 3; i++)
        {
            await engine.PutRecordsAsync("big", batch); // 1500 KiB in all
        }
        await DeliveredAsync(engine, "big", 1024);
        var first = Assert.Single(await Objects.ReadAllAsync("bucket"));
        Assert.Equal(1024 * 1024, first.Value.Length);

        Time.Advance(TimeSpan.FromSeconds(900));
        await DeliveredAsync(engine, "big", 1500);
        Assert.Equal(2, (await Objects.ReadAllAsync("bucket")).Count);
        Assert.Equal(1500 * 1024, (await Objects.ReadAllAsync("bucket")).Values.Sum(v => v.Length));
    }

    [Theory]
    [InlineData("GZIP", ".gz")]
    [InlineData("ZIP", ".zip")]
    [InlineData("Snappy", ".snappy")]
    [InlineData("HADOOP_SNAPPY", ".snappy")]
    [InlineData("UNCOMPRESSED", "")]
    public async Task Compressed_objects_get_their_extension_and_decompress_to_the_records(string compression, string extension)
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "c", S3(compression: compression, intervalSeconds: 0));
        var records = Records(400, 1000);
        await engine.PutRecordsAsync("c", records);
        await DeliveredAsync(engine, "c", 400);

        var (key, data) = Assert.Single(await Objects.ReadAllAsync("bucket"));
        Assert.EndsWith(extension, key, StringComparison.Ordinal);
        var expected = records.SelectMany(r => r.ToArray()).ToArray();
        Assert.Equal(expected, Compression.Decompress(compression, data));
        if (compression == "GZIP")
        {
            using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
            using var plain = new MemoryStream();
            await gzip.CopyToAsync(plain);
            Assert.Equal(expected, plain.ToArray());
        }
    }

    [Fact]
    public async Task Custom_prefixes_evaluate_timestamp_and_random_string_expressions()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "p", S3(intervalSeconds: 0, prefix: "logs/year=!{timestamp:yyyy}/at=!{timestamp:MM-dd'T'HH}/r=!{firehose:random-string}/",
            errorPrefix: "errors/!{firehose:error-output-type}/"));
        await engine.PutRecordsAsync("p", Records(1, 10));
        await DeliveredAsync(engine, "p", 1);

        var key = Assert.Single(await Objects.ReadAllAsync("bucket")).Key;
        Assert.Matches(new Regex("^logs/year=2026/at=03-04T05/r=[0-9a-f-]{11}/p-1-2026-03-04-05-06-07-[0-9a-f-]{36}$"), key);
    }

    [Theory]
    [InlineData("!{timestamp:yyyy}/", null)]
    [InlineData("a/!{firehose:error-output-type}/", "e/!{firehose:error-output-type}/")]
    [InlineData("a/", "e/!{timestamp:yyyy}/")]
    [InlineData("a/!{nope:x}/", "e/!{firehose:error-output-type}/")]
    [InlineData("a/!{timestamp:yyyy", "e/!{firehose:error-output-type}/")]
    public async Task Prefixes_that_break_AWS_rules_are_refused_with_InvalidArgumentException(string prefix, string? errorPrefix)
    {
        var engine = await StartAsync();
        var e = await Assert.ThrowsAsync<FirehoseException>(() => CreateAsync(engine, "bad", S3(prefix: prefix, errorPrefix: errorPrefix)));
        Assert.Equal(FirehoseException.InvalidArgument, e.ErrorType);
        Assert.Empty(engine.Snapshot());
    }

    [Fact]
    public async Task While_the_bucket_is_missing_delivery_retries_and_then_delivers_everything_once()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "r", new DestinationInput("S3DestinationConfiguration",
            """{"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::later","BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0}}"""));
        await engine.PutRecordsAsync("r", Records(10, 100));
        await engine.WaitForMetricsAsync("r", m => m.DeliveryAttempts >= 1, CancellationToken.None).WaitAsync(Wait);
        Time.Advance(TimeSpan.FromSeconds(1));
        await engine.WaitForMetricsAsync("r", m => m.DeliveryAttempts >= 2, CancellationToken.None).WaitAsync(Wait);
        Assert.Equal(0, engine.Snapshot()[0].DeliveryPuts);

        await Objects.CreateBucketAsync("later", CancellationToken.None);
        Time.Advance(TimeSpan.FromSeconds(2));
        await DeliveredAsync(engine, "r", 10);
        var (_, data) = Assert.Single(await Objects.ReadAllAsync("later"));
        Assert.Equal(10 * 100, data.Length);
    }

    [Fact]
    public async Task A_crash_between_the_put_and_the_checkpoint_redoes_the_same_key_and_delivers_once()
    {
        var crashed = await StartAsync();
        await CreateAsync(crashed, "x", S3(intervalSeconds: 0));
        var stored = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Objects.AfterPut = key =>
        {
            stored.TrySetResult(key);
            return new TaskCompletionSource().Task; // the process "dies" here: the put never completes for its caller
        };
        var records = Records(50, 200);
        await crashed.PutRecordsAsync("x", records);
        var firstKey = await stored.Task.WaitAsync(Wait);
        Objects.AfterPut = null;
        Engines.Remove(crashed); // abandoned, as kill -9 would leave it

        var restarted = await StartAsync();
        await DeliveredAsync(restarted, "x", 50);
        var (key, data) = Assert.Single(await Objects.ReadAllAsync("bucket"));
        Assert.Equal(firstKey, key);
        Assert.Equal([.. records.SelectMany(r => r.ToArray())], data);
        Assert.Equal(2, Objects.Puts);

        await restarted.PutRecordsAsync("x", Records(5, 10));
        await DeliveredAsync(restarted, "x", 55);
        Assert.Equal(2, (await Objects.ReadAllAsync("bucket")).Count);
        Assert.Equal(50 * 200 + 5 * 10, (await Objects.ReadAllAsync("bucket")).Values.Sum(v => v.Length));
    }

    [Fact]
    public async Task Stopping_flushes_the_buffer_without_waiting_for_the_hints()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "s", S3(intervalSeconds: 900, sizeMb: 128));
        await engine.PutRecordsAsync("s", Records(7, 10));
        Assert.Empty(await Objects.ReadAllAsync("bucket"));
        await engine.StopAsync();
        Assert.Equal(70, Assert.Single(await Objects.ReadAllAsync("bucket")).Value.Length);
    }

    [Fact]
    public async Task UpdateDestination_checks_the_version_and_the_next_object_carries_the_new_one()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "u", S3(intervalSeconds: 0));
        var stale = await Assert.ThrowsAsync<FirehoseException>(() => engine.UpdateDestinationAsync("u", "2", "destinationId-000000000001",
            new DestinationInput("ExtendedS3DestinationUpdate", """{"Prefix":"v2/"}""")).AsTask());
        Assert.Equal(FirehoseException.ConcurrentModification, stale.ErrorType);
        var unknown = await Assert.ThrowsAsync<FirehoseException>(() => engine.UpdateDestinationAsync("u", "1", "destinationId-000000000009",
            new DestinationInput("ExtendedS3DestinationUpdate", """{"Prefix":"v2/"}""")).AsTask());
        Assert.Equal(FirehoseException.InvalidArgument, unknown.ErrorType);

        await engine.UpdateDestinationAsync("u", "1", "destinationId-000000000001", new DestinationInput("ExtendedS3DestinationUpdate", """{"Prefix":"v2/"}"""));
        var view = await engine.DescribeDeliveryStreamAsync("u");
        Assert.Equal("2", view.VersionId);
        Assert.Contains("\"Prefix\":\"v2/\"", view.DestinationJson, StringComparison.Ordinal);
        Assert.Contains("\"CompressionFormat\":\"UNCOMPRESSED\"", view.DestinationJson, StringComparison.Ordinal);
        await engine.PutRecordsAsync("u", Records(1, 10));
        await DeliveredAsync(engine, "u", 1);
        Assert.StartsWith("v2/2026/03/04/05/u-2-", Assert.Single(await Objects.ReadAllAsync("bucket")).Key, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_processing_on_the_processor_runs_between_buffer_and_bucket_and_failed_records_go_to_the_error_output()
    {
        var engine = await StartAsync(new UppercaseOrFail());
        await CreateAsync(engine, "t", new DestinationInput("ExtendedS3DestinationConfiguration", """
            {"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::bucket","Prefix":"ok/",
             "BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0},
             "ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"Lambda","Parameters":[{"ParameterName":"LambdaArn","ParameterValue":"arn:aws:lambda:us-east-1:000000000000:function:f"}]}]}}
            """));
        await engine.PutRecordsAsync("t", [Encoding.ASCII.GetBytes("a\n"), Encoding.ASCII.GetBytes("poison\n"), Encoding.ASCII.GetBytes("b\n")]);
        await engine.WaitForMetricsAsync("t", m => m.DeliveryRecords + m.ProcessingFailedRecords >= 3, CancellationToken.None).WaitAsync(Wait);

        var objects = await Objects.ReadAllAsync("bucket");
        Assert.Equal("A\nB\n", Encoding.ASCII.GetString(Assert.Single(objects, o => o.Key.StartsWith("ok/2026/03/04/05/t-1-", StringComparison.Ordinal)).Value));
        var (errorKey, error) = Assert.Single(objects, o => !o.Key.StartsWith("ok/2026", StringComparison.Ordinal));
        Assert.StartsWith("ok/processing-failed/2026/03/04/05/t-1-2026-03-04-05-06-07-", errorKey, StringComparison.Ordinal);
        using var document = System.Text.Json.JsonDocument.Parse(error);
        Assert.Equal("Lambda.FunctionError", document.RootElement.GetProperty("errorCode").GetString());
        Assert.Equal("poison\n", Encoding.ASCII.GetString(document.RootElement.GetProperty("rawData").GetBytesFromBase64()));
    }

    [Fact]
    public async Task Without_processing_the_records_go_to_the_bucket_unchanged_even_with_a_processor_registered()
    {
        var engine = await StartAsync(new UppercaseOrFail());
        await CreateAsync(engine, "n", S3(intervalSeconds: 0));
        await engine.PutRecordsAsync("n", [Encoding.ASCII.GetBytes("poison\n")]);
        await DeliveredAsync(engine, "n", 1);
        Assert.Equal("poison\n", Encoding.ASCII.GetString(Assert.Single(await Objects.ReadAllAsync("bucket")).Value));
    }

    /// <summary>Uppercases every record but fails those that say "poison".</summary>
    private sealed class UppercaseOrFail : IFirehoseProcessor
    {
        public ValueTask<ProcessingResult> ProcessAsync(ProcessingContext context, IReadOnlyList<FirehoseRecord> records, CancellationToken cancellationToken)
        {
            Assert.Contains("LambdaArn", context.ProcessingConfigurationJson, StringComparison.Ordinal);
            var text = records.Select(r => (Record: r, Text: Encoding.ASCII.GetString(r.Data.Span))).ToList();
            return ValueTask.FromResult(new ProcessingResult(
                [.. text.Where(t => !t.Text.StartsWith("poison", StringComparison.Ordinal))
                    .Select(t => new ProcessedRecord(t.Record.RecordId, t.Record.ArrivalMs, Encoding.ASCII.GetBytes(t.Text.ToUpperInvariant())))],
                [.. text.Where(t => t.Text.StartsWith("poison", StringComparison.Ordinal)).Select(t => new FailedRecord(t.Record, "Lambda.FunctionError", "poisoned"))]));
        }
    }
}
