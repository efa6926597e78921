using System.Net;
using Eddy.Testing;

namespace Eddy.Server.Tests;

/// <summary>AWS's answers where they are known exactly, over the wire against the server's pipeline in this process.</summary>
public sealed class ExactAnswersWireTests : IAsyncLifetime
{
    private InProcessServer _server = null!;

    public async Task InitializeAsync() => _server = await InProcessServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Uri Ep => _server.Endpoint;

    private async Task CreateAsync(string stream, int shards)
    {
        await KinesisJson.CallOkAsync(Ep, "CreateStream", new { StreamName = stream, ShardCount = shards });
        await KinesisJson.WaitForStreamStatusAsync(Ep, stream);
    }

    [Fact]
    public async Task PutRecord_and_PutRecords_name_no_EncryptionType_on_an_unencrypted_stream()
    {
        await CreateAsync("plain", 1);
        var one = await KinesisJson.CallOkAsync(Ep, "PutRecord", new { StreamName = "plain", PartitionKey = "k", Data = "aGk=" });
        Assert.Equal(["ShardId", "SequenceNumber"], one.EnumerateObject().Select(p => p.Name));
        var many = await KinesisJson.CallOkAsync(Ep, "PutRecords", new { StreamName = "plain", Records = new[] { new { PartitionKey = "k", Data = "aGk=" } } });
        Assert.Equal(["FailedRecordCount", "Records"], many.EnumerateObject().Select(p => p.Name));

        await KinesisJson.CallOkAsync(Ep, "StartStreamEncryption", new { StreamName = "plain", EncryptionType = "KMS", KeyId = "alias/aws/kinesis" });
        await KinesisJson.WaitForStreamStatusAsync(Ep, "plain");
        one = await KinesisJson.CallOkAsync(Ep, "PutRecord", new { StreamName = "plain", PartitionKey = "k", Data = "aGk=" });
        Assert.Equal("KMS", one.GetProperty("EncryptionType").GetString());
        many = await KinesisJson.CallOkAsync(Ep, "PutRecords", new { StreamName = "plain", Records = new[] { new { PartitionKey = "k", Data = "aGk=" } } });
        Assert.Equal("KMS", many.GetProperty("EncryptionType").GetString());
    }

    [Fact]
    public async Task CreateStream_with_only_a_name_makes_an_on_demand_stream_of_four_shards()
    {
        await KinesisJson.CallOkAsync(Ep, "CreateStream", new { StreamName = "bare" });
        await KinesisJson.WaitForStreamStatusAsync(Ep, "bare");
        var summary = (await KinesisJson.CallOkAsync(Ep, "DescribeStreamSummary", new { StreamName = "bare" })).GetProperty("StreamDescriptionSummary");
        Assert.Equal("ON_DEMAND", summary.GetProperty("StreamModeDetails").GetProperty("StreamMode").GetString());
        Assert.Equal(4, summary.GetProperty("OpenShardCount").GetInt32());
    }

    [Fact]
    public async Task Shard_iterators_have_AWSs_shape_and_may_come_in_double_quotes()
    {
        await CreateAsync("shape", 1);
        await KinesisJson.CallOkAsync(Ep, "PutRecord", new { StreamName = "shape", PartitionKey = "k", Data = "aGk=" });
        var iterator = (await KinesisJson.CallOkAsync(Ep, "GetShardIterator", new { StreamName = "shape", ShardId = "shardId-0", ShardIteratorType = "TRIM_HORIZON" }))
            .GetProperty("ShardIterator").GetString()!;
        var bytes = Convert.FromBase64String(iterator);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 0, 1 }, bytes[..8]);
        Assert.Equal((152, 204), (bytes.Length, iterator.Length));

        var quoted = await KinesisJson.CallOkAsync(Ep, "GetRecords", new { ShardIterator = '"' + iterator + '"' });
        Assert.Equal("aGk=", quoted.GetProperty("Records")[0].GetProperty("Data").GetString());
        var next = Convert.FromBase64String(quoted.GetProperty("NextShardIterator").GetString()!);
        Assert.Equal((byte)1, next[7]);
    }

    [Fact]
    public async Task Shard_ids_are_parsed_before_the_stream_is_looked_up()
    {
        var garbled = await KinesisJson.CallAsync(Ep, "GetShardIterator", new { StreamName = "nowhere", ShardId = "ABKLFD8", ShardIteratorType = "LATEST" });
        Assert.Equal(HttpStatusCode.BadRequest, garbled.Status);
        Assert.Equal("ResourceNotFoundException", garbled.Json.GetProperty("__type").GetString());
        Assert.Equal("Could not find shard ABKLFD8 in stream nowhere under account 000000000000.", garbled.Json.GetProperty("message").GetString());
        var parsed = await KinesisJson.CallAsync(Ep, "GetShardIterator", new { StreamName = "nowhere", ShardId = "x-7", ShardIteratorType = "LATEST" });
        Assert.Equal("Shard shardId-000000000007 in stream nowhere under account 000000000000 does not exist", parsed.Json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Enum_values_are_listed_in_AWSs_order()
    {
        var response = await KinesisJson.CallAsync(Ep, "GetShardIterator", new { StreamName = "s", ShardId = "shardId-0", ShardIteratorType = "FOO" });
        Assert.Equal("ValidationException", response.Json.GetProperty("__type").GetString());
        Assert.Equal("1 validation error detected: Value 'FOO' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: " +
            "[AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]", response.Json.GetProperty("message").GetString());
    }
}
