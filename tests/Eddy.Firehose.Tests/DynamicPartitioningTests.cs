using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Eddy.Core.Firehose;

namespace Eddy.Firehose.Tests;

/// <summary>Dynamic partitioning on the engine (memory twins, fake clock): one object per partition with its key from the
/// partition's keys and oldest record, failures to the error output, the configuration rules, and a redo after a crash in
/// the middle of a partitioned flush that overwrites the same objects.</summary>
public sealed class DynamicPartitioningTests : EngineBed
{
    private const string Uuid = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

    private Task<FirehoseEngine> StartAsync() => StartAsync(new CustomerKeys());

    private const string Processing = """
        "ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"MetadataExtraction","Parameters":[
          {"ParameterName":"MetadataExtractionQuery","ParameterValue":"{customer_id:.customer}"},{"ParameterName":"JsonParsingEngine","ParameterValue":"JQ-1.6"}]}]}
        """;

    private static DestinationInput Partitioned(string prefix = "customer_id=!{partitionKeyFromQuery:customer_id}/", string? errorPrefix = "errors/!{firehose:error-output-type}/",
        int intervalSeconds = 60, string dynamic = """{"Enabled":true}""") =>
        new("ExtendedS3DestinationConfiguration", $$"""
            {"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::bucket","Prefix":"{{prefix}}",
             {{(errorPrefix is null ? "" : $"\"ErrorOutputPrefix\":\"{errorPrefix}\",")}}
             "BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":{{intervalSeconds}}},
             "DynamicPartitioningConfiguration":{{dynamic}},{{Processing}}}
            """);

    private static Task CreateAsync(FirehoseEngine engine, string name, DestinationInput destination) =>
        engine.CreateDeliveryStreamAsync(new CreateDeliveryStreamInput(name, null, null, null, [destination], [])).AsTask();

    private static ReadOnlyMemory<byte> Json(string customer, int n) => Encoding.UTF8.GetBytes($$"""{"customer":"{{customer}}","n":{{n}}}""" + "\n");

    private Task SettledAsync(FirehoseEngine engine, string name, long records) =>
        engine.WaitForMetricsAsync(name, m => m.DeliveryRecords + m.ProcessingFailedRecords >= records, CancellationToken.None).WaitAsync(Wait);

    [Fact]
    public async Task One_flush_becomes_one_object_per_partition_named_by_its_keys_and_its_oldest_record()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "dp", Partitioned());
        await engine.PutRecordsAsync("dp", [Json("a", 1), Json("b", 2)]);
        Time.Advance(TimeSpan.FromSeconds(10));
        await engine.PutRecordsAsync("dp", [Json("c", 3), Json("a", 4)]);
        Time.Advance(TimeSpan.FromSeconds(50));
        await SettledAsync(engine, "dp", 4);

        var objects = await Objects.ReadAllAsync("bucket");
        Assert.Equal(3, objects.Count);
        var a = Assert.Single(objects, o => o.Key.StartsWith("customer_id=a/", StringComparison.Ordinal));
        Assert.Matches(new Regex($"^customer_id=a/dp-1-2026-03-04-05-06-07-{Uuid}$"), a.Key);
        Assert.Equal("""{"customer":"a","n":1}""" + "\n" + """{"customer":"a","n":4}""" + "\n", Encoding.UTF8.GetString(a.Value));
        var c = Assert.Single(objects, o => o.Key.StartsWith("customer_id=c/", StringComparison.Ordinal));
        Assert.Matches(new Regex($"^customer_id=c/dp-1-2026-03-04-05-06-17-{Uuid}$"), c.Key); // c's oldest record came 10 s later
        Assert.Single(objects, o => o.Key.StartsWith("customer_id=b/dp-1-2026-03-04-05-06-07-", StringComparison.Ordinal));
        var metrics = Assert.Single(engine.Snapshot());
        Assert.Equal((4L, 3L, 0L), (metrics.DeliveryRecords, metrics.DeliveryObjects, metrics.ProcessingFailedRecords));
    }

    [Fact]
    public async Task Records_that_are_not_JSON_lack_a_key_or_make_a_prefix_over_512_characters_go_to_the_error_output()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "bad", Partitioned(intervalSeconds: 0));
        await engine.PutRecordsAsync("bad", [Json("a", 1), Encoding.UTF8.GetBytes("not json\n"), Encoding.UTF8.GetBytes("""{"other":1}""" + "\n"),
            Json(new string('x', 500), 2)]);
        await SettledAsync(engine, "bad", 4);

        var objects = await Objects.ReadAllAsync("bucket");
        Assert.Equal(2, objects.Count);
        Assert.Single(objects, o => o.Key.StartsWith("customer_id=a/bad-1-", StringComparison.Ordinal));
        var (errorKey, error) = Assert.Single(objects, o => o.Key.StartsWith("errors/", StringComparison.Ordinal));
        Assert.Matches(new Regex($"^errors/partitioning-failed/bad-1-2026-03-04-05-06-07-{Uuid}$"), errorKey);
        var lines = Encoding.UTF8.GetString(error).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["DynamicPartitioning.MetadataExtractionFailed", "DynamicPartitioning.PartitionKeyMissing", "DynamicPartitioning.PrefixTooLong"],
            lines.Select(l => l.GetProperty("errorCode").GetString()).Order());
        Assert.Equal(["not json\n", """{"other":1}""" + "\n"], lines.Take(2).Select(l => Encoding.UTF8.GetString(l.GetProperty("rawData").GetBytesFromBase64())).Order());
    }

    [Fact]
    public async Task Partitions_past_500_in_one_flush_go_to_the_error_output()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "many", Partitioned());
        await engine.PutRecordsAsync("many", [.. Enumerable.Range(0, 500).Select(i => Json("k" + i, i))]);
        await engine.PutRecordsAsync("many", [Json("k0", 500), Json("late", 501), Json("late", 502)]);
        Time.Advance(TimeSpan.FromSeconds(60));
        await SettledAsync(engine, "many", 503);

        var objects = await Objects.ReadAllAsync("bucket");
        Assert.Equal(501, objects.Count);
        Assert.DoesNotContain(objects, o => o.Key.StartsWith("customer_id=late/", StringComparison.Ordinal));
        Assert.Equal(2, Encoding.UTF8.GetString(Assert.Single(objects, o => o.Key.StartsWith("customer_id=k0/", StringComparison.Ordinal)).Value).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var error = Encoding.UTF8.GetString(Assert.Single(objects, o => o.Key.StartsWith("errors/partitioning-failed/", StringComparison.Ordinal)).Value);
        Assert.Equal(2, Regex.Count(error, "DynamicPartitioning.ActivePartitionsLimitExceeded"));
    }

    [Fact]
    public async Task A_partition_whose_put_fails_past_the_retry_window_goes_to_the_error_output()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "w", Partitioned(intervalSeconds: 0, dynamic: """{"Enabled":true,"RetryOptions":{"DurationInSeconds":5}}"""));
        Objects.FailPut = key => key.StartsWith("customer_id=down/", StringComparison.Ordinal);
        await engine.PutRecordsAsync("w", [Json("up", 1), Json("down", 2)]);
        var settled = SettledAsync(engine, "w", 2);
        await engine.WaitForMetricsAsync("w", m => m.DeliveryAttempts - m.DeliveryPuts >= 1, CancellationToken.None).WaitAsync(Wait);
        // Each step moves the clock past the 5 s window; the backoff timer may be armed just after a step, so step until
        // the partition is given up (bounded; the outcome does not depend on how many steps it takes).
        for (var step = 0; step < 100 && !settled.IsCompleted; step++)
        {
            Time.Advance(TimeSpan.FromSeconds(10));
            await Task.WhenAny(settled, Task.Delay(TimeSpan.FromMilliseconds(20)));
        }
        await settled;

        var objects = await Objects.ReadAllAsync("bucket");
        Assert.Single(objects, o => o.Key.StartsWith("customer_id=up/", StringComparison.Ordinal));
        var error = JsonDocument.Parse(Assert.Single(objects, o => o.Key.StartsWith("errors/partitioning-failed/", StringComparison.Ordinal)).Value).RootElement;
        Assert.Equal("S3.InternalError", error.GetProperty("errorCode").GetString());
        Assert.Equal(1, engine.Snapshot()[0].DeliveryRecords);
    }

    [Fact]
    public async Task A_crash_in_the_middle_of_a_partitioned_flush_redoes_it_under_the_same_keys()
    {
        var crashed = await StartAsync();
        await CreateAsync(crashed, "x", Partitioned(intervalSeconds: 0));
        var stored = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Objects.AfterPut = key =>
        {
            stored.TrySetResult(key);
            return new TaskCompletionSource().Task; // dies after the first partition's object is stored
        };
        await crashed.PutRecordsAsync("x", [Json("a", 1), Json("b", 2), Json("a", 3)]);
        var firstKey = await stored.Task.WaitAsync(Wait);
        Objects.AfterPut = null;
        Engines.Remove(crashed);

        var restarted = await StartAsync();
        await SettledAsync(restarted, "x", 3);
        var objects = await Objects.ReadAllAsync("bucket");
        Assert.Equal(2, objects.Count);
        Assert.Contains(firstKey, objects.Keys);
        Assert.Equal(3, Objects.Puts); // a, then after the restart a again (the same key) and b
        Assert.Equal(3, objects.Values.Sum(v => Encoding.UTF8.GetString(v).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length));
    }

    [Theory]
    [InlineData("customer_id=!{partitionKeyFromQuery:customer_id}/", "errors/!{firehose:error-output-type}/", """{"Enabled":false}""")]
    [InlineData("customer_id=!{partitionKeyFromQuery:customer_id}/", null, """{"Enabled":true}""")]
    [InlineData("plain/", "errors/!{firehose:error-output-type}/", """{"Enabled":true}""")]
    [InlineData("p/", "errors/!{partitionKeyFromQuery:customer_id}/!{firehose:error-output-type}/", """{"Enabled":true}""")]
    public async Task Configurations_that_break_the_partitioning_rules_are_refused(string prefix, string? errorPrefix, string dynamic)
    {
        var engine = await StartAsync();
        var e = await Assert.ThrowsAsync<FirehoseException>(() => CreateAsync(engine, "bad", Partitioned(prefix, errorPrefix, dynamic: dynamic)));
        Assert.Equal(FirehoseException.InvalidArgument, e.ErrorType);
    }

    [Fact]
    public async Task Describe_shows_the_default_retry_and_UpdateDestination_can_neither_enable_nor_disable_partitioning()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "on", Partitioned());
        var view = await engine.DescribeDeliveryStreamAsync("on");
        Assert.Contains("\"DynamicPartitioningConfiguration\":{\"Enabled\":true,\"RetryOptions\":{\"DurationInSeconds\":300}}", view.DestinationJson, StringComparison.Ordinal);
        var disable = await Assert.ThrowsAsync<FirehoseException>(() => engine.UpdateDestinationAsync("on", "1", "destinationId-000000000001",
            new DestinationInput("ExtendedS3DestinationUpdate", """{"DynamicPartitioningConfiguration":{"Enabled":false}}""")).AsTask());
        Assert.Equal("Dynamic partitioning cannot be disabled once it is enabled.", disable.Message);
        await engine.UpdateDestinationAsync("on", "1", "destinationId-000000000001",
            new DestinationInput("ExtendedS3DestinationUpdate", """{"Prefix":"v2/c=!{partitionKeyFromQuery:customer_id}/"}"""));

        await engine.CreateDeliveryStreamAsync(new CreateDeliveryStreamInput("off", null, null, null, [new DestinationInput("ExtendedS3DestinationConfiguration",
            """{"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::bucket"}""")], []));
        var enable = await Assert.ThrowsAsync<FirehoseException>(() => engine.UpdateDestinationAsync("off", "1", "destinationId-000000000001",
            new DestinationInput("ExtendedS3DestinationUpdate", """
                {"Prefix":"c=!{partitionKeyFromQuery:customer_id}/","ErrorOutputPrefix":"e/!{firehose:error-output-type}/","DynamicPartitioningConfiguration":{"Enabled":true}}
                """)).AsTask());
        Assert.Equal("Dynamic partitioning can only be enabled when the delivery stream is created.", enable.Message);
    }

    /// <summary>What MetadataExtraction with <c>{customer_id:.customer}</c> gives (Eddy.Functions' processor, tested there):
    /// the key from a JSON record that has it, no key from one that lacks it, a <c>partitioning-failed</c> record for one that
    /// is not JSON.</summary>
    private sealed class CustomerKeys : IFirehoseProcessor
    {
        public ValueTask<ProcessingResult> ProcessAsync(ProcessingContext context, IReadOnlyList<FirehoseRecord> records, CancellationToken cancellationToken)
        {
            List<ProcessedRecord> delivered = [];
            List<FailedRecord> failed = [];
            foreach (var r in records)
            {
                try
                {
                    using var json = JsonDocument.Parse(r.Data);
                    var keys = json.RootElement.TryGetProperty("customer", out var customer)
                        ? new Dictionary<string, string> { ["partitionKeyFromQuery:customer_id"] = customer.GetString()! }
                        : null;
                    delivered.Add(new ProcessedRecord(r.RecordId, r.ArrivalMs, r.Data, keys));
                }
                catch (JsonException)
                {
                    failed.Add(new FailedRecord(r, "DynamicPartitioning.MetadataExtractionFailed", "not JSON", FailedRecord.PartitioningFailed));
                }
            }
            return ValueTask.FromResult(new ProcessingResult(delivered, failed));
        }
    }
}
