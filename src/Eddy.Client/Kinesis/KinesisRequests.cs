// Checked against the embedded botocore model by tests/Eddy.Client.Tests/ModelDriftTests.cs: member names, types and
// required members must match the model (src/Eddy.Protocol/Models/kinesis-2013-12-02.json).

namespace Eddy.Client.Kinesis;

/// <summary>The Kinesis operation input shape <c>AddTagsToStreamInput</c>.</summary>
public sealed record AddTagsToStreamRequest
{
    public string? StreamName { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>CreateStreamInput</c>.</summary>
public sealed record CreateStreamRequest
{
    public required string StreamName { get; init; }
    public int? ShardCount { get; init; }
    public StreamModeDetails? StreamModeDetails { get; init; }
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
    public int? WarmThroughputMiBps { get; init; }
    public int? MaxRecordSizeInKiB { get; init; }
}

/// <summary>The Kinesis operation input shape <c>DecreaseStreamRetentionPeriodInput</c>.</summary>
public sealed record DecreaseStreamRetentionPeriodRequest
{
    public string? StreamName { get; init; }
    public required int RetentionPeriodHours { get; init; }
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>DeleteResourcePolicyInput</c>.</summary>
public sealed record DeleteResourcePolicyRequest
{
    public required string ResourceARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>DeleteStreamInput</c>.</summary>
public sealed record DeleteStreamRequest
{
    public string? StreamName { get; init; }
    public bool? EnforceConsumerDeletion { get; init; }
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>DeregisterStreamConsumerInput</c>.</summary>
public sealed record DeregisterStreamConsumerRequest
{
    public string? StreamARN { get; init; }
    public string? ConsumerName { get; init; }
    public string? ConsumerARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>DescribeAccountSettingsInput</c>.</summary>
public sealed record DescribeAccountSettingsRequest
{
}

/// <summary>The Kinesis operation input shape <c>DescribeLimitsInput</c>.</summary>
public sealed record DescribeLimitsRequest
{
}

/// <summary>The Kinesis operation input shape <c>DescribeStreamConsumerInput</c>.</summary>
public sealed record DescribeStreamConsumerRequest
{
    public string? StreamARN { get; init; }
    public string? ConsumerName { get; init; }
    public string? ConsumerARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>DescribeStreamInput</c>.</summary>
public sealed record DescribeStreamRequest
{
    public string? StreamName { get; init; }
    public int? Limit { get; init; }
    public string? ExclusiveStartShardId { get; init; }
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>DescribeStreamSummaryInput</c>.</summary>
public sealed record DescribeStreamSummaryRequest
{
    public string? StreamName { get; init; }
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>DisableEnhancedMonitoringInput</c>.</summary>
public sealed record DisableEnhancedMonitoringRequest
{
    public string? StreamName { get; init; }
    public required IReadOnlyList<string> ShardLevelMetrics { get; init; }
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>EnableEnhancedMonitoringInput</c>.</summary>
public sealed record EnableEnhancedMonitoringRequest
{
    public string? StreamName { get; init; }
    public required IReadOnlyList<string> ShardLevelMetrics { get; init; }
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>GetRecordsInput</c>.</summary>
public sealed record GetRecordsRequest
{
    public required string ShardIterator { get; init; }
    public int? Limit { get; init; }
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>GetResourcePolicyInput</c>.</summary>
public sealed record GetResourcePolicyRequest
{
    public required string ResourceARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>GetShardIteratorInput</c>.</summary>
public sealed record GetShardIteratorRequest
{
    public string? StreamName { get; init; }
    public required string ShardId { get; init; }
    public required string ShardIteratorType { get; init; }
    public string? StartingSequenceNumber { get; init; }
    public DateTimeOffset? Timestamp { get; init; }
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>IncreaseStreamRetentionPeriodInput</c>.</summary>
public sealed record IncreaseStreamRetentionPeriodRequest
{
    public string? StreamName { get; init; }
    public required int RetentionPeriodHours { get; init; }
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>ListShardsInput</c>.</summary>
public sealed record ListShardsRequest
{
    public string? StreamName { get; init; }
    public string? NextToken { get; init; }
    public string? ExclusiveStartShardId { get; init; }
    public int? MaxResults { get; init; }
    public DateTimeOffset? StreamCreationTimestamp { get; init; }
    public ShardFilter? ShardFilter { get; init; }
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>ListStreamConsumersInput</c>.</summary>
public sealed record ListStreamConsumersRequest
{
    public required string StreamARN { get; init; }
    public string? NextToken { get; init; }
    public int? MaxResults { get; init; }
    public DateTimeOffset? StreamCreationTimestamp { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>ListStreamsInput</c>.</summary>
public sealed record ListStreamsRequest
{
    public int? Limit { get; init; }
    public string? ExclusiveStartStreamName { get; init; }
    public string? NextToken { get; init; }
}

/// <summary>The Kinesis operation input shape <c>ListTagsForResourceInput</c>.</summary>
public sealed record ListTagsForResourceRequest
{
    public required string ResourceARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>ListTagsForStreamInput</c>.</summary>
public sealed record ListTagsForStreamRequest
{
    public string? StreamName { get; init; }
    public string? ExclusiveStartTagKey { get; init; }
    public int? Limit { get; init; }
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>MergeShardsInput</c>.</summary>
public sealed record MergeShardsRequest
{
    public string? StreamName { get; init; }
    public required string ShardToMerge { get; init; }
    public required string AdjacentShardToMerge { get; init; }
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>PutRecordInput</c>.</summary>
public sealed record PutRecordRequest
{
    public string? StreamName { get; init; }
    public required byte[] Data { get; init; }
    public required string PartitionKey { get; init; }
    public string? ExplicitHashKey { get; init; }
    public string? SequenceNumberForOrdering { get; init; }
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>PutRecordsInput</c>.</summary>
public sealed record PutRecordsRequest
{
    public required IReadOnlyList<PutRecordsRequestEntry> Records { get; init; }
    public string? StreamName { get; init; }
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>PutResourcePolicyInput</c>.</summary>
public sealed record PutResourcePolicyRequest
{
    public required string ResourceARN { get; init; }
    public string? StreamId { get; init; }
    public required string Policy { get; init; }
}

/// <summary>The Kinesis operation input shape <c>RegisterStreamConsumerInput</c>.</summary>
public sealed record RegisterStreamConsumerRequest
{
    public required string StreamARN { get; init; }
    public required string ConsumerName { get; init; }
    public string? StreamId { get; init; }
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
}

/// <summary>The Kinesis operation input shape <c>RemoveTagsFromStreamInput</c>.</summary>
public sealed record RemoveTagsFromStreamRequest
{
    public string? StreamName { get; init; }
    public required IReadOnlyList<string> TagKeys { get; init; }
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>SplitShardInput</c>.</summary>
public sealed record SplitShardRequest
{
    public string? StreamName { get; init; }
    public required string ShardToSplit { get; init; }
    public required string NewStartingHashKey { get; init; }
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>StartStreamEncryptionInput</c>.</summary>
public sealed record StartStreamEncryptionRequest
{
    public string? StreamName { get; init; }
    public required string EncryptionType { get; init; }
    public required string KeyId { get; init; }
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>StopStreamEncryptionInput</c>.</summary>
public sealed record StopStreamEncryptionRequest
{
    public string? StreamName { get; init; }
    public required string EncryptionType { get; init; }
    public required string KeyId { get; init; }
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>SubscribeToShardInput</c>.</summary>
public sealed record SubscribeToShardRequest
{
    public required string ConsumerARN { get; init; }
    public string? StreamId { get; init; }
    public required string ShardId { get; init; }
    public required StartingPosition StartingPosition { get; init; }
}

/// <summary>The Kinesis operation input shape <c>TagResourceInput</c>.</summary>
public sealed record TagResourceRequest
{
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
    public required string ResourceARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>UntagResourceInput</c>.</summary>
public sealed record UntagResourceRequest
{
    public required IReadOnlyList<string> TagKeys { get; init; }
    public required string ResourceARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>UpdateAccountSettingsInput</c>.</summary>
public sealed record UpdateAccountSettingsRequest
{
    public required MinimumThroughputBillingCommitmentInput MinimumThroughputBillingCommitment { get; init; }
}

/// <summary>The Kinesis operation input shape <c>UpdateMaxRecordSizeInput</c>.</summary>
public sealed record UpdateMaxRecordSizeRequest
{
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
    public required int MaxRecordSizeInKiB { get; init; }
}

/// <summary>The Kinesis operation input shape <c>UpdateShardCountInput</c>.</summary>
public sealed record UpdateShardCountRequest
{
    public string? StreamName { get; init; }
    public required int TargetShardCount { get; init; }
    public required string ScalingType { get; init; }
    public string? StreamARN { get; init; }
    public string? StreamId { get; init; }
}

/// <summary>The Kinesis operation input shape <c>UpdateStreamModeInput</c>.</summary>
public sealed record UpdateStreamModeRequest
{
    public required string StreamARN { get; init; }
    public string? StreamId { get; init; }
    public required StreamModeDetails StreamModeDetails { get; init; }
    public int? WarmThroughputMiBps { get; init; }
}

/// <summary>The Kinesis operation input shape <c>UpdateStreamWarmThroughputInput</c>.</summary>
public sealed record UpdateStreamWarmThroughputRequest
{
    public string? StreamARN { get; init; }
    public string? StreamName { get; init; }
    public string? StreamId { get; init; }
    public required int WarmThroughputMiBps { get; init; }
}
