namespace Eddy.Core;

/// <summary>
/// The Data Streams engine as the protocol layer sees it: one method per API action, domain types in and out,
/// <see cref="KinesisException"/> for every business-rule failure. Input shapes have already passed model validation.
/// It is composed of narrow capabilities (control plane, data plane, tags, consumers, account settings, resource
/// policies), so a component that needs one of them (a delivery stream's writer needs only the data plane) asks for
/// just that one.
/// </summary>
public interface IStreamEngine : IStreamControlPlane, IStreamDataPlane, IStreamTags, IStreamConsumers, IAccountSettings, IResourcePolicies
{
    string Account { get; }
    string Region { get; }
}

/// <summary>Streams and shards: creation, deletion, descriptions, resharding, retention, and the settings whose change
/// is a state transition (UPDATING → ACTIVE): encryption, monitoring, mode, record size, warm throughput.</summary>
public interface IStreamControlPlane
{
    /// <summary>Creates a stream; with neither <paramref name="shardCount"/> nor <paramref name="mode"/>, an ON_DEMAND stream (4 shards), as AWS does.</summary>
    Task CreateStreamAsync(string name, int? shardCount, StreamMode? mode, IReadOnlyDictionary<string, string>? tags, int? warmThroughputMiBps, int? maxRecordSizeInKiB);
    Task DeleteStreamAsync(StreamRef stream, bool enforceConsumerDeletion);
    ValueTask<StreamPage> DescribeStreamAsync(StreamRef stream, int? limit, string? exclusiveStartShardId);
    ValueTask<StreamView> DescribeStreamSummaryAsync(StreamRef stream);
    ValueTask<ListStreamsResult> ListStreamsAsync(int? limit, string? exclusiveStartStreamName, string? nextToken);
    ValueTask<ListShardsResult> ListShardsAsync(StreamRef stream, string? nextToken, string? exclusiveStartShardId, int? maxResults, DateTimeOffset? streamCreationTimestamp, ShardFilterType? filterType, string? filterShardId, DateTimeOffset? filterTimestamp);

    Task SplitShardAsync(StreamRef stream, string shardToSplit, string newStartingHashKey);
    Task MergeShardsAsync(StreamRef stream, string shardToMerge, string adjacentShardToMerge);
    Task<ShardCountChange> UpdateShardCountAsync(StreamRef stream, int targetShardCount);
    Task ChangeRetentionAsync(StreamRef stream, int hours, bool increase);

    Task StartEncryptionAsync(StreamRef stream, string encryptionType, string keyId);
    Task StopEncryptionAsync(StreamRef stream, string encryptionType, string keyId);
    Task<MonitoringChange> SetEnhancedMonitoringAsync(StreamRef stream, IReadOnlyList<string> metrics, bool enable);
    Task UpdateStreamModeAsync(string streamArn, StreamMode mode, int? warmThroughputMiBps);
    Task UpdateMaxRecordSizeAsync(StreamRef stream, int maxRecordSizeInKiB);
    Task<WarmThroughputView> UpdateWarmThroughputAsync(StreamRef stream, int warmThroughputMiBps);
}

/// <summary>Records in and out: puts, shard iterators, GetRecords. Takes no control-plane lock.</summary>
public interface IStreamDataPlane
{
    /// <summary>Largest record (data + partition key bytes) the stream accepts; for validation before a put.</summary>
    int MaxRecordBytes(StreamRef stream);
    ValueTask<PutRecordsResult> PutRecordAsync(StreamRef stream, PutEntry entry, string? sequenceNumberForOrdering);
    ValueTask<PutRecordsResult> PutRecordsAsync(StreamRef stream, IReadOnlyList<PutEntry> entries);
    string GetShardIterator(StreamRef stream, string shardId, ShardIteratorType type, string? startingSequenceNumber, DateTimeOffset? timestamp);
    ValueTask<GetRecordsResult> GetRecordsAsync(string shardIterator, int? limit, StreamRef stream);

    /// <summary>The ARN of the stream a (genuine, unexpired or not) shard iterator reads, or null; for authorization.</summary>
    string? StreamArnOfIterator(string shardIterator);
}

/// <summary>Tags of streams and consumers.</summary>
public interface IStreamTags
{
    Task AddTagsAsync(StreamRef stream, IReadOnlyDictionary<string, string> tags);
    Task RemoveTagsAsync(StreamRef stream, IReadOnlyList<string> keys);
    ValueTask<TagListResult> ListTagsForStreamAsync(StreamRef stream, string? exclusiveStartTagKey, int? limit);
    Task TagResourceAsync(string resourceArn, IReadOnlyDictionary<string, string> tags);
    Task UntagResourceAsync(string resourceArn, IReadOnlyList<string> keys);
    ValueTask<IReadOnlyList<KeyValuePair<string, string>>> ListTagsForResourceAsync(string resourceArn);
}

/// <summary>Registered (enhanced fan-out) consumers and their SubscribeToShard sessions.</summary>
public interface IStreamConsumers
{
    Task<ConsumerView> RegisterConsumerAsync(string streamArn, string consumerName, IReadOnlyDictionary<string, string>? tags);
    ValueTask<ConsumerView> DescribeConsumerAsync(string? streamArn, string? consumerName, string? consumerArn);
    ValueTask<ListConsumersResult> ListConsumersAsync(string streamArn, string? nextToken, int? maxResults, DateTimeOffset? streamCreationTimestamp);
    Task DeregisterConsumerAsync(string? streamArn, string? consumerName, string? consumerArn);
    Task<IShardSubscription> SubscribeToShardAsync(string consumerArn, string shardId, ShardIteratorType type, string? startingSequenceNumber, DateTimeOffset? timestamp);
}

/// <summary>The account's limits and billing commitment.</summary>
public interface IAccountSettings
{
    ValueTask<LimitsView> DescribeLimitsAsync();
    ValueTask<BillingCommitment> DescribeAccountSettingsAsync();
    Task<BillingCommitment> UpdateAccountSettingsAsync(string status);
}

/// <summary>Resource policies of streams and consumers.</summary>
public interface IResourcePolicies
{
    Task PutResourcePolicyAsync(string resourceArn, string policy);
    ValueTask<string> GetResourcePolicyAsync(string resourceArn);

    /// <summary>The policy stored for a resource, or null; lock-free, for authorization on every request.</summary>
    string? FindResourcePolicy(string resourceArn);
    Task DeleteResourcePolicyAsync(string resourceArn);
}
