using System.Net;
using Eddy.Client.Kinesis;
using Eddy.Protocol.Model;
using Eddy.Testing;

namespace Eddy.Client.Tests;

/// <summary>The typed Kinesis client against the real server: every operation in JSON and in CBOR, typed errors,
/// SubscribeToShard's events, HTTP/1.1 and h2c.</summary>
public sealed class KinesisClientTests : IAsyncLifetime
{
    private EddyServer _server = null!;

    public async Task InitializeAsync() => _server = await EddyServer.StartAsync(new EddyServerOptions { StateDelayMs = 0, InMemory = true });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private KinesisClient Client(WireFormat format = WireFormat.Json, Version? version = null) => new(new EddyClientOptions
    {
        Endpoint = _server.Endpoint,
        Format = format,
        HttpVersion = version ?? HttpVersion.Version11,
    });

    [Theory]
    [InlineData(WireFormat.Json)]
    [InlineData(WireFormat.Cbor)]
    public async Task Every_operation_round_trips(WireFormat format)
    {
        using var client = Client(format);
        var covered = new CoveringClient(client);
        var s = "typed-" + format.ToString().ToLowerInvariant();
        await covered.Run(nameof(KinesisClient.CreateStreamAsync), () => client.CreateStreamAsync(new CreateStreamRequest { StreamName = s, ShardCount = 2, Tags = new Dictionary<string, string> { ["t"] = "1" } }));
        var summary = (await covered.Run(nameof(KinesisClient.DescribeStreamSummaryAsync), () => client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = s }))).StreamDescriptionSummary;
        Assert.Equal(("ACTIVE", 2), (summary.StreamStatus, summary.OpenShardCount));
        Assert.True(summary.StreamCreationTimestamp > DateTimeOffset.UtcNow.AddHours(-1), "timestamps decode from epoch seconds");
        var arn = summary.StreamARN;
        Assert.Equal(2, (await covered.Run(nameof(KinesisClient.DescribeStreamAsync), () => client.DescribeStreamAsync(new DescribeStreamRequest { StreamName = s }))).StreamDescription.Shards.Count);
        Assert.Contains(s, (await covered.Run(nameof(KinesisClient.ListStreamsAsync), () => client.ListStreamsAsync(new ListStreamsRequest()))).StreamNames);
        Assert.Equal(2, (await covered.Run(nameof(KinesisClient.ListShardsAsync), () => client.ListShardsAsync(new ListShardsRequest { StreamName = s }))).Shards!.Count);

        byte[] payload = [0, 1, 2, 0xFF, 0x80];
        var put = await covered.Run(nameof(KinesisClient.PutRecordAsync), () => client.PutRecordAsync(new PutRecordRequest { StreamName = s, PartitionKey = "a", Data = payload }));
        var many = await covered.Run(nameof(KinesisClient.PutRecordsAsync), () => client.PutRecordsAsync(new PutRecordsRequest
        {
            StreamName = s,
            Records = [.. Enumerable.Range(0, 3).Select(i => new PutRecordsRequestEntry { PartitionKey = "a", Data = [(byte)i] })],
        }));
        Assert.Equal(0, many.FailedRecordCount);
        Assert.All(many.Records, r => Assert.Equal(put.ShardId, r.ShardId));
        var iterator = (await covered.Run(nameof(KinesisClient.GetShardIteratorAsync), () => client.GetShardIteratorAsync(new GetShardIteratorRequest
        {
            StreamName = s, ShardId = put.ShardId, ShardIteratorType = "AT_TIMESTAMP", Timestamp = DateTimeOffset.UtcNow.AddMinutes(-5),
        }))).ShardIterator!;
        var records = (await covered.Run(nameof(KinesisClient.GetRecordsAsync), () => client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator }))).Records;
        Assert.Equal(4, records.Count);
        Assert.Equal(payload, records[0].Data);
        Assert.Equal(put.SequenceNumber, records[0].SequenceNumber);
        Assert.True(records[0].ApproximateArrivalTimestamp > DateTimeOffset.UtcNow.AddHours(-1));

        await covered.Run(nameof(KinesisClient.AddTagsToStreamAsync), () => client.AddTagsToStreamAsync(new AddTagsToStreamRequest { StreamName = s, Tags = new Dictionary<string, string> { ["a"] = "b" } }));
        Assert.Equal(2, (await covered.Run(nameof(KinesisClient.ListTagsForStreamAsync), () => client.ListTagsForStreamAsync(new ListTagsForStreamRequest { StreamName = s }))).Tags.Count);
        await covered.Run(nameof(KinesisClient.RemoveTagsFromStreamAsync), () => client.RemoveTagsFromStreamAsync(new RemoveTagsFromStreamRequest { StreamName = s, TagKeys = ["a"] }));
        await covered.Run(nameof(KinesisClient.TagResourceAsync), () => client.TagResourceAsync(new TagResourceRequest { ResourceARN = arn, Tags = new Dictionary<string, string> { ["c"] = "d" } }));
        await covered.Run(nameof(KinesisClient.UntagResourceAsync), () => client.UntagResourceAsync(new UntagResourceRequest { ResourceARN = arn, TagKeys = ["c"] }));
        Assert.Equal("t", Assert.Single((await covered.Run(nameof(KinesisClient.ListTagsForResourceAsync), () => client.ListTagsForResourceAsync(new ListTagsForResourceRequest { ResourceARN = arn }))).Tags!).Key);
        await covered.Run(nameof(KinesisClient.IncreaseStreamRetentionPeriodAsync), () => client.IncreaseStreamRetentionPeriodAsync(new IncreaseStreamRetentionPeriodRequest { StreamName = s, RetentionPeriodHours = 48 }));
        await covered.Run(nameof(KinesisClient.DecreaseStreamRetentionPeriodAsync), () => client.DecreaseStreamRetentionPeriodAsync(new DecreaseStreamRetentionPeriodRequest { StreamName = s, RetentionPeriodHours = 24 }));
        Assert.Equal(7, (await covered.Run(nameof(KinesisClient.EnableEnhancedMonitoringAsync), () => client.EnableEnhancedMonitoringAsync(new EnableEnhancedMonitoringRequest { StreamName = s, ShardLevelMetrics = ["ALL"] }))).DesiredShardLevelMetrics!.Count);
        await covered.Run(nameof(KinesisClient.DisableEnhancedMonitoringAsync), () => client.DisableEnhancedMonitoringAsync(new DisableEnhancedMonitoringRequest { StreamName = s, ShardLevelMetrics = ["ALL"] }));
        Assert.True((await covered.Run(nameof(KinesisClient.DescribeLimitsAsync), () => client.DescribeLimitsAsync(new DescribeLimitsRequest()))).ShardLimit > 0);
        await covered.Run(nameof(KinesisClient.DescribeAccountSettingsAsync), () => client.DescribeAccountSettingsAsync(new DescribeAccountSettingsRequest()));
        var settings = await covered.Run(nameof(KinesisClient.UpdateAccountSettingsAsync), () => client.UpdateAccountSettingsAsync(new UpdateAccountSettingsRequest
        {
            MinimumThroughputBillingCommitment = new MinimumThroughputBillingCommitmentInput { Status = "ENABLED" },
        }));
        Assert.True(settings.MinimumThroughputBillingCommitment!.StartedAt > DateTimeOffset.UtcNow.AddHours(-1));

        var consumer = (await covered.Run(nameof(KinesisClient.RegisterStreamConsumerAsync), () => client.RegisterStreamConsumerAsync(new RegisterStreamConsumerRequest { StreamARN = arn, ConsumerName = "c" }))).Consumer;
        for (var i = 0; i < 100 && (await covered.Run(nameof(KinesisClient.DescribeStreamConsumerAsync), () => client.DescribeStreamConsumerAsync(new DescribeStreamConsumerRequest { ConsumerARN = consumer.ConsumerARN }))).ConsumerDescription.ConsumerStatus != "ACTIVE"; i++)
            await Task.Delay(20);
        Assert.Single((await covered.Run(nameof(KinesisClient.ListStreamConsumersAsync), () => client.ListStreamConsumersAsync(new ListStreamConsumersRequest { StreamARN = arn }))).Consumers!);
        covered.Saw(nameof(KinesisClient.SubscribeToShardAsync));
        var first = await FirstEventAsync(client, consumer.ConsumerARN, put.ShardId);
        Assert.Equal(payload, first.Records[0].Data);
        Assert.Equal(records.Select(r => r.SequenceNumber), first.Records.Select(r => r.SequenceNumber));
        Assert.False(string.IsNullOrEmpty(first.ContinuationSequenceNumber));
        await covered.Run(nameof(KinesisClient.DeregisterStreamConsumerAsync), () => client.DeregisterStreamConsumerAsync(new DeregisterStreamConsumerRequest { ConsumerARN = consumer.ConsumerARN }));

        await covered.Run(nameof(KinesisClient.StartStreamEncryptionAsync), () => client.StartStreamEncryptionAsync(new StartStreamEncryptionRequest { StreamName = s, EncryptionType = "KMS", KeyId = "alias/aws/kinesis" }));
        await covered.Run(nameof(KinesisClient.StopStreamEncryptionAsync), () => client.StopStreamEncryptionAsync(new StopStreamEncryptionRequest { StreamName = s, EncryptionType = "KMS", KeyId = "alias/aws/kinesis" }));
        await covered.Run(nameof(KinesisClient.SplitShardAsync), () => client.SplitShardAsync(new SplitShardRequest { StreamName = s, ShardToSplit = "shardId-000000000000", NewStartingHashKey = "1000" }));
        await covered.Run(nameof(KinesisClient.MergeShardsAsync), () => client.MergeShardsAsync(new MergeShardsRequest { StreamName = s, ShardToMerge = "shardId-000000000002", AdjacentShardToMerge = "shardId-000000000003" }));
        Assert.Equal(4, (await covered.Run(nameof(KinesisClient.UpdateShardCountAsync), () => client.UpdateShardCountAsync(new UpdateShardCountRequest { StreamName = s, TargetShardCount = 4, ScalingType = "UNIFORM_SCALING" }))).TargetShardCount);
        await covered.Run(nameof(KinesisClient.PutResourcePolicyAsync), () => client.PutResourcePolicyAsync(new PutResourcePolicyRequest { ResourceARN = arn, Policy = """{"Version":"2012-10-17","Statement":[]}""" }));
        Assert.Contains("2012-10-17", (await covered.Run(nameof(KinesisClient.GetResourcePolicyAsync), () => client.GetResourcePolicyAsync(new GetResourcePolicyRequest { ResourceARN = arn }))).Policy, StringComparison.Ordinal);
        await covered.Run(nameof(KinesisClient.DeleteResourcePolicyAsync), () => client.DeleteResourcePolicyAsync(new DeleteResourcePolicyRequest { ResourceARN = arn }));
        await covered.Run(nameof(KinesisClient.UpdateMaxRecordSizeAsync), () => client.UpdateMaxRecordSizeAsync(new UpdateMaxRecordSizeRequest { StreamARN = arn, MaxRecordSizeInKiB = 2048 }));
        await covered.Run(nameof(KinesisClient.UpdateStreamModeAsync), () => client.UpdateStreamModeAsync(new UpdateStreamModeRequest { StreamARN = arn, StreamModeDetails = new StreamModeDetails { StreamMode = "ON_DEMAND" } }));
        Assert.Equal(10, (await covered.Run(nameof(KinesisClient.UpdateStreamWarmThroughputAsync), () => client.UpdateStreamWarmThroughputAsync(new UpdateStreamWarmThroughputRequest { StreamName = s, WarmThroughputMiBps = 10 }))).WarmThroughput!.TargetMiBps);
        await covered.Run(nameof(KinesisClient.DeleteStreamAsync), () => client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = s, EnforceConsumerDeletion = true }));

        Assert.Equal(ServiceModel.Kinesis.Operations.Keys.Order(), covered.Operations.Order());
    }

    [Theory]
    [InlineData(WireFormat.Json)]
    [InlineData(WireFormat.Cbor)]
    public async Task Errors_come_back_typed(WireFormat format)
    {
        using var client = Client(format);
        var e = await Assert.ThrowsAsync<EddyServiceException>(() => client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = "nope" }));
        Assert.Equal(("ResourceNotFoundException", "Stream nope under account 000000000000 not found.", HttpStatusCode.BadRequest, "DescribeStreamSummary"),
            (e.ErrorType, e.ErrorMessage, e.Status, e.Operation));
        Assert.False(string.IsNullOrEmpty(e.RequestId));
        var invalid = await Assert.ThrowsAsync<EddyServiceException>(() => client.CreateStreamAsync(new CreateStreamRequest { StreamName = "x y", ShardCount = 1 }));
        Assert.Equal("ValidationException", invalid.ErrorType);
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("2.0")]
    public async Task Http11_and_h2c_are_spoken_exactly_as_asked(string version)
    {
        using var client = Client(version: Version.Parse(version));
        using var response = await client.Http.SendAsync(KinesisOperations.Target(KinesisOperations.ListStreams), "{}"u8.ToArray());
        Assert.Equal((HttpStatusCode.OK, Version.Parse(version)), (response.Status, response.Version));
        Assert.Empty((await client.ListStreamsAsync(new ListStreamsRequest())).StreamNames);
    }

    [Fact]
    public async Task Subscribe_to_shard_over_h2c_yields_the_records_put_after_it_started()
    {
        using var client = Client(version: HttpVersion.Version20);
        await client.CreateStreamAsync(new CreateStreamRequest { StreamName = "sub", ShardCount = 1 });
        var arn = (await client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = "sub" })).StreamDescriptionSummary.StreamARN;
        var consumer = (await client.RegisterStreamConsumerAsync(new RegisterStreamConsumerRequest { StreamARN = arn, ConsumerName = "h2" })).Consumer;
        while ((await client.DescribeStreamConsumerAsync(new DescribeStreamConsumerRequest { ConsumerARN = consumer.ConsumerARN })).ConsumerDescription.ConsumerStatus != "ACTIVE")
            await Task.Delay(20);
        await client.PutRecordAsync(new PutRecordRequest { StreamName = "sub", PartitionKey = "k", Data = [42] });
        var first = await FirstEventAsync(client, consumer.ConsumerARN, "shardId-000000000000");
        Assert.Equal([42], Assert.Single(first.Records).Data);
    }

    [Fact]
    public async Task Subscribe_to_an_unknown_consumer_throws_the_service_error()
    {
        using var client = Client();
        var e = await Assert.ThrowsAsync<EddyServiceException>(async () =>
        {
            await foreach (var _ in client.SubscribeToShardAsync(new SubscribeToShardRequest
            {
                ConsumerARN = "arn:aws:kinesis:us-east-1:000000000000:stream/none/consumer/c:1",
                ShardId = "shardId-000000000000",
                StartingPosition = new StartingPosition { Type = "LATEST" },
            }))
            {
            }
        });
        Assert.Equal(("ResourceNotFoundException", "SubscribeToShard"), (e.ErrorType, e.Operation));
    }

    /// <summary>The first event of a subscription from TRIM_HORIZON (it carries the records already in the shard).</summary>
    private static async Task<SubscribeToShardEvent> FirstEventAsync(KinesisClient client, string consumerArn, string shardId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var request = new SubscribeToShardRequest { ConsumerARN = consumerArn, ShardId = shardId, StartingPosition = new StartingPosition { Type = "TRIM_HORIZON" } };
        await foreach (var e in client.SubscribeToShardAsync(request, timeout.Token))
        {
            if (e.Records.Count > 0) return e;
        }

        throw new InvalidOperationException("the subscription ended without records");
    }

    /// <summary>Notes which operations a test called.</summary>
    private sealed class CoveringClient(KinesisClient client)
    {
        private readonly HashSet<string> _operations = [];

        public KinesisClient Client => client;

        public IEnumerable<string> Operations => _operations;

        public void Saw(string method) => _operations.Add(method[..^"Async".Length]);

        public async Task<T> Run<T>(string method, Func<Task<T>> call)
        {
            Saw(method);
            return await call();
        }

        public async Task Run(string method, Func<Task> call)
        {
            Saw(method);
            await call();
        }
    }
}
