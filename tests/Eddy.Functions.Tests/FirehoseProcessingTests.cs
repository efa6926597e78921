using System.Text;
using System.Text.Json;
using Eddy.Catalog;
using Eddy.Core.Firehose;
using Eddy.Firehose;
using Eddy.Functions.Firehose;
using Eddy.Objects;
using Eddy.Storage;
using Eddy.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Eddy.Functions.Tests;

/// <summary>The Firehose engine with <see cref="FunctionsFirehoseProcessor"/> as its processing step and a real HTTP
/// receiver as the Lambda: Ok records are delivered transformed, Dropped ones vanish, ProcessingFailed ones land in the
/// error output as AWS's JSON lines.</summary>
public sealed partial class FirehoseProcessingTests : IAsyncLifetime
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
    private readonly MemoryCatalogStore _catalog = new();
    private readonly MemoryLogStore _logs;
    private readonly MemoryObjectStore _objects;
    private FunctionReceiver _receiver = null!;
    private FunctionMap _map = null!;
    private FunctionInvoker _invoker = null!;
    private FirehoseEngine _engine = null!;

    public FirehoseProcessingTests()
    {
        _logs = new MemoryLogStore(_time);
        _objects = new MemoryObjectStore(_time);
    }

    public async Task InitializeAsync()
    {
        _receiver = await FunctionReceiver.StartAsync();
        _map = new FunctionMap(_catalog.Functions);
        await _map.LoadAsync([]);
        await _map.PutAsync("transform", _receiver.Url("/"));
        _invoker = new FunctionInvoker(_map, new FunctionsOptions());
        await _objects.CreateBucketAsync("bucket", CancellationToken.None);
        _engine = new FirehoseEngine(new FirehoseOptions { Time = _time }, _logs, _catalog, _objects,
            processor: new FunctionsFirehoseProcessor(_invoker, _time));
        await _engine.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        _invoker.Dispose();
        await _receiver.DisposeAsync();
        _map.Dispose();
        await _logs.DisposeAsync();
        await _catalog.DisposeAsync();
    }

    /// <summary>Answers Firehose's event: "drop" → Dropped, "fail" → ProcessingFailed, anything else uppercased.</summary>
    private static async Task Transform(HttpContext context, byte[] body)
    {
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(FirehoseTransforms.UppercaseDropFail(body));
    }

    private async Task<SortedDictionary<string, string>> ReadAllAsync()
    {
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var listing = await _objects.ListObjectsAsync("bucket", null, null, null, 1000, CancellationToken.None);
        foreach (var info in listing.Objects)
        {
            await using var content = (await _objects.GetObjectAsync("bucket", info.Key, null, CancellationToken.None))!;
            using var reader = new StreamReader(content.Content, Encoding.UTF8);
            all[info.Key] = await reader.ReadToEndAsync();
        }
        return all;
    }

    private static DestinationInput Destination(string? errorPrefix) => new("ExtendedS3DestinationConfiguration", $$$"""
        {"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::bucket",
         "BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0},"CompressionFormat":"UNCOMPRESSED","Prefix":"ok/"
         {{{(errorPrefix is null ? "" : $",\"ErrorOutputPrefix\":\"{errorPrefix}\"")}}},
         "ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"Lambda","Parameters":[
           {"ParameterName":"LambdaArn","ParameterValue":"arn:aws:lambda:us-east-1:000000000000:function:transform"},
           {"ParameterName":"NumberOfRetries","ParameterValue":"0"}]}]}}
        """);

    private async Task PutAndWaitAsync(string name, string? errorPrefix, params string[] records)
    {
        await _engine.CreateDeliveryStreamAsync(new CreateDeliveryStreamInput(name, null, null, null, [Destination(errorPrefix)], []));
        await _engine.PutRecordsAsync(name, [.. records.Select(r => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(r))]);
        // Dropped records count as neither delivered nor failed; the flush's checkpoint moves past all of them at once.
        await _engine.WaitForMetricsAsync(name, m => m.DeliveryObjects >= 1 && m.ProcessingFailedRecords >= 1, CancellationToken.None).WaitAsync(s_wait);
    }

    [Fact]
    public async Task Ok_records_are_delivered_transformed_dropped_ones_vanish_failed_ones_go_to_processing_failed()
    {
        _receiver.Handler = Transform;

        await PutAndWaitAsync("t", null, "a\n", "drop\n", "fail\n", "b\n");

        var objects = await ReadAllAsync();
        Assert.Equal(2, objects.Count);
        var (key, data) = Assert.Single(objects, o => o.Key.StartsWith("ok/2026/", StringComparison.Ordinal));
        Assert.StartsWith("ok/2026/03/04/05/t-1-2026-03-04-05-06-07-", key, StringComparison.Ordinal);
        Assert.Equal("A\nB\n", data);
        var (errorKey, error) = Assert.Single(objects, o => o.Key.StartsWith("ok/processing-failed/", StringComparison.Ordinal));
        Assert.StartsWith("ok/processing-failed/2026/03/04/05/t-1-2026-03-04-05-06-07-", errorKey, StringComparison.Ordinal);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        Assert.Equal(["attemptsMade", "arrivalTimestamp", "errorCode", "errorMessage", "attemptEndingTimestamp", "rawData", "lambdaArn"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Lambda.ProcessingFailedStatus", root.GetProperty("errorCode").GetString());
        Assert.Equal("fail\n", Encoding.UTF8.GetString(root.GetProperty("rawData").GetBytesFromBase64()));
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:transform", root.GetProperty("lambdaArn").GetString());
        Assert.Equal(_time.GetUtcNow().ToUnixTimeMilliseconds(), root.GetProperty("arrivalTimestamp").GetInt64());
        var request = Assert.Single(_receiver.Received);
        using var sent = JsonDocument.Parse(request.Body);
        Assert.Equal(_engine.Arn("t"), sent.RootElement.GetProperty("deliveryStreamArn").GetString());
        Assert.Equal(4, sent.RootElement.GetProperty("records").GetArrayLength());
    }

    [Fact]
    public async Task The_error_output_prefix_gets_the_error_output_type_expanded()
    {
        _receiver.Handler = Transform;

        await PutAndWaitAsync("e", "errors/!{firehose:error-output-type}/!{timestamp:yyyy}/", "fail\n", "c\n");

        var objects = await ReadAllAsync();
        Assert.Equal("C\n", Assert.Single(objects, o => o.Key.StartsWith("ok/2026/", StringComparison.Ordinal)).Value);
        Assert.Single(objects, o => o.Key.StartsWith("errors/processing-failed/2026/e-1-2026-03-04-05-06-07-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_function_that_answers_500_sends_every_record_to_processing_failed()
    {
        _receiver.Handler = (context, _) =>
        {
            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        };

        await _engine.CreateDeliveryStreamAsync(new CreateDeliveryStreamInput("x", null, null, null, [Destination(null)], []));
        await _engine.PutRecordsAsync("x", [Encoding.UTF8.GetBytes("a\n"), Encoding.UTF8.GetBytes("b\n")]);
        await _engine.WaitForMetricsAsync("x", m => m.ProcessingFailedRecords >= 2, CancellationToken.None).WaitAsync(s_wait);

        var (key, error) = Assert.Single(await ReadAllAsync());
        Assert.StartsWith("ok/processing-failed/2026/03/04/05/x-1-", key, StringComparison.Ordinal);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("{\"attemptsMade\":1,", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_processing_configuration_Eddy_cannot_run_is_refused_at_create_and_update()
    {
        var bad = Destination(null).Json.Replace("\"Type\":\"Lambda\"", "\"Type\":\"CloudWatchLogProcessing\"", StringComparison.Ordinal);
        var e = await Assert.ThrowsAsync<ProcessingConfigurationException>(async () =>
            await _engine.CreateDeliveryStreamAsync(new CreateDeliveryStreamInput("bad", null, null, null, [Destination(null) with { Json = bad }], [])));
        Assert.Equal("InvalidArgumentException", e.ErrorType);
        Assert.Contains("CloudWatchLogProcessing", e.Message, StringComparison.Ordinal);

        await _engine.CreateDeliveryStreamAsync(new CreateDeliveryStreamInput("good", null, null, null, [Destination(null)], []));
        await Assert.ThrowsAsync<ProcessingConfigurationException>(async () => await _engine.UpdateDestinationAsync("good", "1", "destinationId-000000000001",
            new DestinationInput("ExtendedS3DestinationUpdate", """{"ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"Lambda","Parameters":[]}]}}""")));
    }
}
