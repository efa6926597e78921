// Checked against the embedded botocore model by tests/Eddy.Client.Tests/ModelDriftTests.cs: member names, types and
// required members must match the model (src/Eddy.Protocol/Models/kinesis-2013-12-02.json).

namespace Eddy.Client.Kinesis;

/// <summary>The Kinesis operation output shape <c>DescribeAccountSettingsOutput</c>.</summary>
public sealed record DescribeAccountSettingsResponse
{
    public MinimumThroughputBillingCommitmentOutput? MinimumThroughputBillingCommitment { get; init; }
}

/// <summary>The Kinesis operation output shape <c>DescribeLimitsOutput</c>.</summary>
public sealed record DescribeLimitsResponse
{
    public required int ShardLimit { get; init; }
    public required int OpenShardCount { get; init; }
    public required int OnDemandStreamCount { get; init; }
    public required int OnDemandStreamCountLimit { get; init; }
}

/// <summary>The Kinesis operation output shape <c>DescribeStreamConsumerOutput</c>.</summary>
public sealed record DescribeStreamConsumerResponse
{
    public required ConsumerDescription ConsumerDescription { get; init; }
}

/// <summary>The Kinesis operation output shape <c>DescribeStreamOutput</c>.</summary>
public sealed record DescribeStreamResponse
{
    public required StreamDescription StreamDescription { get; init; }
}

/// <summary>The Kinesis operation output shape <c>DescribeStreamSummaryOutput</c>.</summary>
public sealed record DescribeStreamSummaryResponse
{
    public required StreamDescriptionSummary StreamDescriptionSummary { get; init; }
}

/// <summary>The Kinesis operation output shape <c>EnhancedMonitoringOutput</c>.</summary>
public sealed record EnhancedMonitoringResponse
{
    public string? StreamName { get; init; }
    public IReadOnlyList<string>? CurrentShardLevelMetrics { get; init; }
    public IReadOnlyList<string>? DesiredShardLevelMetrics { get; init; }
    public string? StreamARN { get; init; }
}

/// <summary>The Kinesis operation output shape <c>GetRecordsOutput</c>.</summary>
public sealed record GetRecordsResponse
{
    public required IReadOnlyList<Record> Records { get; init; }
    public string? NextShardIterator { get; init; }
    public long? MillisBehindLatest { get; init; }
    public IReadOnlyList<ChildShard>? ChildShards { get; init; }
}

/// <summary>The Kinesis operation output shape <c>GetResourcePolicyOutput</c>.</summary>
public sealed record GetResourcePolicyResponse
{
    public required string Policy { get; init; }
}

/// <summary>The Kinesis operation output shape <c>GetShardIteratorOutput</c>.</summary>
public sealed record GetShardIteratorResponse
{
    public string? ShardIterator { get; init; }
}

/// <summary>The Kinesis operation output shape <c>ListShardsOutput</c>.</summary>
public sealed record ListShardsResponse
{
    public IReadOnlyList<Shard>? Shards { get; init; }
    public string? NextToken { get; init; }
}

/// <summary>The Kinesis operation output shape <c>ListStreamConsumersOutput</c>.</summary>
public sealed record ListStreamConsumersResponse
{
    public IReadOnlyList<Consumer>? Consumers { get; init; }
    public string? NextToken { get; init; }
}

/// <summary>The Kinesis operation output shape <c>ListStreamsOutput</c>.</summary>
public sealed record ListStreamsResponse
{
    public required IReadOnlyList<string> StreamNames { get; init; }
    public required bool HasMoreStreams { get; init; }
    public string? NextToken { get; init; }
    public IReadOnlyList<StreamSummary>? StreamSummaries { get; init; }
}

/// <summary>The Kinesis operation output shape <c>ListTagsForResourceOutput</c>.</summary>
public sealed record ListTagsForResourceResponse
{
    public IReadOnlyList<Tag>? Tags { get; init; }
}

/// <summary>The Kinesis operation output shape <c>ListTagsForStreamOutput</c>.</summary>
public sealed record ListTagsForStreamResponse
{
    public required IReadOnlyList<Tag> Tags { get; init; }
    public required bool HasMoreTags { get; init; }
}

/// <summary>The Kinesis operation output shape <c>PutRecordOutput</c>.</summary>
public sealed record PutRecordResponse
{
    public required string ShardId { get; init; }
    public required string SequenceNumber { get; init; }
    public string? EncryptionType { get; init; }
}

/// <summary>The Kinesis operation output shape <c>PutRecordsOutput</c>.</summary>
public sealed record PutRecordsResponse
{
    public int? FailedRecordCount { get; init; }
    public required IReadOnlyList<PutRecordsResultEntry> Records { get; init; }
    public string? EncryptionType { get; init; }
}

/// <summary>The Kinesis operation output shape <c>RegisterStreamConsumerOutput</c>.</summary>
public sealed record RegisterStreamConsumerResponse
{
    public required Consumer Consumer { get; init; }
}

/// <summary>The Kinesis operation output shape <c>UpdateAccountSettingsOutput</c>.</summary>
public sealed record UpdateAccountSettingsResponse
{
    public MinimumThroughputBillingCommitmentOutput? MinimumThroughputBillingCommitment { get; init; }
}

/// <summary>The Kinesis operation output shape <c>UpdateShardCountOutput</c>.</summary>
public sealed record UpdateShardCountResponse
{
    public string? StreamName { get; init; }
    public int? CurrentShardCount { get; init; }
    public int? TargetShardCount { get; init; }
    public string? StreamARN { get; init; }
}

/// <summary>The Kinesis operation output shape <c>UpdateStreamWarmThroughputOutput</c>.</summary>
public sealed record UpdateStreamWarmThroughputResponse
{
    public string? StreamARN { get; init; }
    public string? StreamName { get; init; }
    public WarmThroughputObject? WarmThroughput { get; init; }
}
