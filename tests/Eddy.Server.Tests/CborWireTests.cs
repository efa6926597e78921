using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Eddy.Client.Http;
using Eddy.Protocol.Cbor;
using Eddy.Protocol.EventStream;
using Eddy.Protocol.Model;
using Eddy.Testing;

namespace Eddy.Server.Tests;

/// <summary>
/// <c>application/x-amz-cbor-1.1</c> against a real server: every operation round-trips in CBOR (requests encoded from
/// the model as a CBOR client would, responses decoded with the operation's output shape), errors come back as CBOR
/// maps, and SubscribeToShard event payloads are CBOR.
/// </summary>
public sealed class CborWireTests : IAsyncLifetime
{
    private EddyServer _server = null!;
    private readonly List<string> _covered = [];

    public async Task InitializeAsync() => _server = await EddyServer.StartAsync(new EddyServerOptions { StateDelayMs = 0 });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static byte[] Encode(string operation, JsonNode body)
    {
        ServiceModel.Kinesis.TryGetOperation(operation, out var op);
        var output = new ArrayBufferWriter<byte>();
        CborJson.ToCbor(Encoding.UTF8.GetBytes(body.ToJsonString()), op!.Input, output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>A signed CBOR call of <paramref name="operation"/>, sent by the test kit's Eddy.Client transport (no retries).</summary>
    private EddyRequest Request(string operation, byte[] cbor) =>
        new() { Endpoint = _server.Endpoint, Target = KinesisJson.TargetPrefix + operation, Body = cbor, ContentType = CborJson.ContentType };

    /// <summary>Calls an operation in CBOR; returns the status and the response decoded to JSON by the output shape.</summary>
    private async Task<(HttpStatusCode Status, JsonElement Body)> CallAsync(string operation, JsonNode body, byte[]? raw = null)
    {
        _covered.Add(operation);
        using var response = await KinesisJson.Http.SendAsync(Request(operation, raw ?? Encode(operation, body)));
        var bytes = response.Span;
        Assert.Equal(CborJson.ContentType, response.ContentType);
        ServiceModel.Kinesis.TryGetOperation(operation, out var op);
        var json = new ArrayBufferWriter<byte>();
        CborJson.ToJson(bytes.Length == 0 ? [0xA0] : bytes, response.IsSuccess ? op!.Output : null, json);
        return (response.Status, JsonDocument.Parse(json.WrittenMemory).RootElement.Clone());
    }

    private async Task<JsonElement> OkAsync(string operation, JsonNode body)
    {
        var (status, json) = await CallAsync(operation, body);
        Assert.True(status == HttpStatusCode.OK, $"{operation}: {status} {json}");
        return json;
    }

    private Task ActiveAsync(string stream) => KinesisJson.WaitForStreamStatusAsync(_server.Endpoint, stream);

    [Fact]
    public async Task Every_operation_round_trips_in_cbor()
    {
        const string s = "cbor";
        await OkAsync("CreateStream", new JsonObject { ["StreamName"] = s, ["ShardCount"] = 2, ["Tags"] = new JsonObject { ["t"] = "1" } });
        await ActiveAsync(s);
        var summary = (await OkAsync("DescribeStreamSummary", new JsonObject { ["StreamName"] = s })).GetProperty("StreamDescriptionSummary");
        var arn = summary.GetProperty("StreamARN").GetString()!;
        Assert.True(summary.GetProperty("StreamCreationTimestamp").GetDouble() > 1.6e9, "timestamps decode as epoch seconds");
        Assert.Equal(2, (await OkAsync("DescribeStream", new JsonObject { ["StreamName"] = s })).GetProperty("StreamDescription").GetProperty("Shards").GetArrayLength());
        Assert.Contains(s, (await OkAsync("ListStreams", new JsonObject())).GetProperty("StreamNames").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(2, (await OkAsync("ListShards", new JsonObject { ["StreamName"] = s })).GetProperty("Shards").GetArrayLength());

        // Blobs travel as byte strings both ways.
        var payload = new byte[] { 0, 1, 2, 0xFF, 0x80 };
        var put = await OkAsync("PutRecord", new JsonObject { ["StreamName"] = s, ["PartitionKey"] = "a", ["Data"] = Convert.ToBase64String(payload) });
        var shard = put.GetProperty("ShardId").GetString()!;
        var many = await OkAsync("PutRecords", new JsonObject
        {
            ["StreamName"] = s,
            ["Records"] = new JsonArray(Enumerable.Range(0, 3).Select(i => (JsonNode)new JsonObject { ["PartitionKey"] = "a", ["Data"] = Convert.ToBase64String([(byte)i]) }).ToArray()),
        });
        Assert.Equal(0, many.GetProperty("FailedRecordCount").GetInt32());
        var iterator = (await OkAsync("GetShardIterator", new JsonObject { ["StreamName"] = s, ["ShardId"] = shard, ["ShardIteratorType"] = "TRIM_HORIZON" })).GetProperty("ShardIterator").GetString();
        var records = (await OkAsync("GetRecords", new JsonObject { ["ShardIterator"] = iterator })).GetProperty("Records");
        Assert.Equal(4, records.GetArrayLength());
        Assert.Equal(payload, records[0].GetProperty("Data").GetBytesFromBase64());
        Assert.True(records[0].GetProperty("ApproximateArrivalTimestamp").GetDouble() > 1.6e9);
        var atTime = await OkAsync("GetShardIterator", new JsonObject
        {
            ["StreamName"] = s, ["ShardId"] = shard, ["ShardIteratorType"] = "AT_TIMESTAMP", ["Timestamp"] = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds() / 1000.0,
        });
        Assert.Equal(4, (await OkAsync("GetRecords", new JsonObject { ["ShardIterator"] = atTime.GetProperty("ShardIterator").GetString() })).GetProperty("Records").GetArrayLength());

        await OkAsync("AddTagsToStream", new JsonObject { ["StreamName"] = s, ["Tags"] = new JsonObject { ["a"] = "b" } });
        Assert.Equal(2, (await OkAsync("ListTagsForStream", new JsonObject { ["StreamName"] = s })).GetProperty("Tags").GetArrayLength());
        await OkAsync("RemoveTagsFromStream", new JsonObject { ["StreamName"] = s, ["TagKeys"] = new JsonArray("a") });
        await OkAsync("TagResource", new JsonObject { ["ResourceARN"] = arn, ["Tags"] = new JsonObject { ["c"] = "d" } });
        await OkAsync("UntagResource", new JsonObject { ["ResourceARN"] = arn, ["TagKeys"] = new JsonArray("c") });
        Assert.Equal(1, (await OkAsync("ListTagsForResource", new JsonObject { ["ResourceARN"] = arn })).GetProperty("Tags").GetArrayLength());
        await OkAsync("IncreaseStreamRetentionPeriod", new JsonObject { ["StreamName"] = s, ["RetentionPeriodHours"] = 48 });
        await OkAsync("DecreaseStreamRetentionPeriod", new JsonObject { ["StreamName"] = s, ["RetentionPeriodHours"] = 24 });
        Assert.Equal(7, (await OkAsync("EnableEnhancedMonitoring", new JsonObject { ["StreamName"] = s, ["ShardLevelMetrics"] = new JsonArray("ALL") })).GetProperty("DesiredShardLevelMetrics").GetArrayLength());
        await OkAsync("DisableEnhancedMonitoring", new JsonObject { ["StreamName"] = s, ["ShardLevelMetrics"] = new JsonArray("ALL") });
        Assert.True((await OkAsync("DescribeLimits", new JsonObject())).GetProperty("ShardLimit").GetInt32() > 0);
        await OkAsync("DescribeAccountSettings", new JsonObject());
        var settings = await OkAsync("UpdateAccountSettings", new JsonObject { ["MinimumThroughputBillingCommitment"] = new JsonObject { ["Status"] = "ENABLED" } });
        Assert.True(settings.GetProperty("MinimumThroughputBillingCommitment").GetProperty("StartedAt").GetDouble() > 1.6e9);

        var consumer = (await OkAsync("RegisterStreamConsumer", new JsonObject { ["StreamARN"] = arn, ["ConsumerName"] = "c" })).GetProperty("Consumer");
        var consumerArn = consumer.GetProperty("ConsumerARN").GetString()!;
        for (var i = 0; i < 100 && (await OkAsync("DescribeStreamConsumer", new JsonObject { ["ConsumerARN"] = consumerArn })).GetProperty("ConsumerDescription").GetProperty("ConsumerStatus").GetString() != "ACTIVE"; i++)
            await Task.Delay(20);
        Assert.Equal(1, (await OkAsync("ListStreamConsumers", new JsonObject { ["StreamARN"] = arn })).GetProperty("Consumers").GetArrayLength());
        await SubscribeInCborAsync(consumerArn, shard, payload);
        await OkAsync("DeregisterStreamConsumer", new JsonObject { ["ConsumerARN"] = consumerArn });

        await OkAsync("StartStreamEncryption", new JsonObject { ["StreamName"] = s, ["EncryptionType"] = "KMS", ["KeyId"] = "alias/aws/kinesis" });
        await ActiveAsync(s);
        await OkAsync("StopStreamEncryption", new JsonObject { ["StreamName"] = s, ["EncryptionType"] = "KMS", ["KeyId"] = "alias/aws/kinesis" });
        await ActiveAsync(s);
        await OkAsync("SplitShard", new JsonObject { ["StreamName"] = s, ["ShardToSplit"] = "shardId-000000000000", ["NewStartingHashKey"] = "1000" });
        await ActiveAsync(s);
        await OkAsync("MergeShards", new JsonObject { ["StreamName"] = s, ["ShardToMerge"] = "shardId-000000000002", ["AdjacentShardToMerge"] = "shardId-000000000003" });
        await ActiveAsync(s);
        Assert.Equal(4, (await OkAsync("UpdateShardCount", new JsonObject { ["StreamName"] = s, ["TargetShardCount"] = 4, ["ScalingType"] = "UNIFORM_SCALING" })).GetProperty("TargetShardCount").GetInt32());
        await ActiveAsync(s);
        await OkAsync("PutResourcePolicy", new JsonObject { ["ResourceARN"] = arn, ["Policy"] = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" });
        Assert.Contains("2012-10-17", (await OkAsync("GetResourcePolicy", new JsonObject { ["ResourceARN"] = arn })).GetProperty("Policy").GetString());
        await OkAsync("DeleteResourcePolicy", new JsonObject { ["ResourceARN"] = arn });
        await OkAsync("UpdateMaxRecordSize", new JsonObject { ["StreamARN"] = arn, ["MaxRecordSizeInKiB"] = 2048 });
        await ActiveAsync(s);
        await OkAsync("UpdateStreamMode", new JsonObject { ["StreamARN"] = arn, ["StreamModeDetails"] = new JsonObject { ["StreamMode"] = "ON_DEMAND" } });
        await ActiveAsync(s);
        Assert.Equal(10, (await OkAsync("UpdateStreamWarmThroughput", new JsonObject { ["StreamName"] = s, ["WarmThroughputMiBps"] = 10 })).GetProperty("WarmThroughput").GetProperty("TargetMiBps").GetInt32());
        await ActiveAsync(s);
        await OkAsync("DeleteStream", new JsonObject { ["StreamName"] = s, ["EnforceConsumerDeletion"] = true });

        var every = ServiceModel.Kinesis.Operations.Keys.Order().ToList();
        Assert.Equal(every, [.. _covered.Distinct().Order()]);
    }

    /// <summary>SubscribeToShard over CBOR: the event payloads are CBOR SubscribeToShardEvent structures.</summary>
    private async Task SubscribeInCborAsync(string consumerArn, string shard, byte[] expectedFirst)
    {
        _covered.Add("SubscribeToShard");
        var body = Encode("SubscribeToShard", new JsonObject { ["ConsumerARN"] = consumerArn, ["ShardId"] = shard, ["StartingPosition"] = new JsonObject { ["Type"] = "TRIM_HORIZON" } });
        using var response = await KinesisJson.Http.OpenStreamAsync(Request("SubscribeToShard", body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(EventStreamWriter.ContentType, response.Content.Headers.ContentType?.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[1 << 20];
        var length = 0;
        var messages = new List<EventMessage>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (messages.Count < 2)
        {
            length += await stream.ReadAsync(buffer.AsMemory(length), timeout.Token);
            while (EventStreamReader.TryRead(buffer.AsSpan(0, length), out var message, out var consumed))
            {
                messages.Add(message!);
                buffer.AsSpan(consumed, length - consumed).CopyTo(buffer);
                length -= consumed;
            }
        }
        Assert.Equal("initial-response", messages[0].EventType);
        Assert.Equal("SubscribeToShardEvent", messages[1].EventType);
        Assert.Equal(CborJson.ContentType, messages[1].ContentType);
        var json = new ArrayBufferWriter<byte>();
        CborJson.ToJson(messages[1].Payload, ServiceModel.Kinesis.Shapes["SubscribeToShardEvent"], json);
        var e = JsonDocument.Parse(json.WrittenMemory).RootElement;
        Assert.Equal(expectedFirst, e.GetProperty("Records")[0].GetProperty("Data").GetBytesFromBase64());
        Assert.False(string.IsNullOrEmpty(e.GetProperty("ContinuationSequenceNumber").GetString()));
    }

    [Fact]
    public async Task Errors_are_cbor_maps_and_malformed_cbor_is_a_serialization_error()
    {
        var (status, json) = await CallAsync("DescribeStreamSummary", new JsonObject { ["StreamName"] = "nope" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("ResourceNotFoundException", json.GetProperty("__type").GetString());
        Assert.Equal("Stream nope under account 000000000000 not found.", json.GetProperty("message").GetString());

        (_, json) = await CallAsync("CreateStream", new JsonObject { ["StreamName"] = "x y", ["ShardCount"] = 1 });
        Assert.Equal("ValidationException", json.GetProperty("__type").GetString());
        Assert.StartsWith("1 validation error detected: Value 'x y' at 'streamName'", json.GetProperty("message").GetString());

        foreach (var garbage in new byte[][] { [0xBF, 0x6A, 0x53], [0xFF], [0x5B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0x9F, 0x9F, 0x9F] })
        {
            (status, json) = await CallAsync("ListStreams", new JsonObject(), garbage);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("SerializationException", json.GetProperty("__type").GetString());
        }
    }

    [Fact]
    public async Task A_put_record_exactly_as_the_Java_SDK_sends_it()
    {
        await KinesisJson.CallOkAsync(_server.Endpoint, "CreateStream", new { StreamName = "my-stream", ShardCount = 1 });
        await ActiveAsync("my-stream");
        // as the Java SDK sends it: indefinite-length map, Data as a byte string.
        var java = Convert.FromHexString("bf6a53747265616d4e616d6569" + "6d792d73747265616d" + "64446174614568656c6c6f" + "6c506172746974696f6e4b6579" + "63706b31" + "ff");
        var (status, json) = await CallAsync("PutRecord", new JsonObject(), java);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("shardId-000000000000", json.GetProperty("ShardId").GetString());
        var it = (await KinesisJson.CallOkAsync(_server.Endpoint, "GetShardIterator", new { StreamName = "my-stream", ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" })).GetProperty("ShardIterator").GetString();
        var record = (await KinesisJson.CallOkAsync(_server.Endpoint, "GetRecords", new { ShardIterator = it })).GetProperty("Records")[0];
        Assert.Equal("hello", Encoding.UTF8.GetString(record.GetProperty("Data").GetBytesFromBase64()));
        Assert.Equal("pk1", record.GetProperty("PartitionKey").GetString());
    }
}
