// Checked against the embedded botocore model by tests/Eddy.Client.Tests/ModelDriftTests.cs: member names, types and
// required members must match the model (src/Eddy.Protocol/Models/kinesis-2013-12-02.json).

namespace Eddy.Client.Kinesis;

/// <summary>The Kinesis structure shape <c>ChildShard</c>.</summary>
public sealed record ChildShard
{
    public required string ShardId { get; init; }
    public required IReadOnlyList<string> ParentShards { get; init; }
    public required HashKeyRange HashKeyRange { get; init; }
}

/// <summary>The Kinesis structure shape <c>Consumer</c>.</summary>
public sealed record Consumer
{
    public required string ConsumerName { get; init; }
    public required string ConsumerARN { get; init; }
    public required string ConsumerStatus { get; init; }
    public required DateTimeOffset ConsumerCreationTimestamp { get; init; }
}

/// <summary>The Kinesis structure shape <c>ConsumerDescription</c>.</summary>
public sealed record ConsumerDescription
{
    public required string ConsumerName { get; init; }
    public required string ConsumerARN { get; init; }
    public required string ConsumerStatus { get; init; }
    public required DateTimeOffset ConsumerCreationTimestamp { get; init; }
    public required string StreamARN { get; init; }
}

/// <summary>The Kinesis structure shape <c>EnhancedMetrics</c>.</summary>
public sealed record EnhancedMetrics
{
    public IReadOnlyList<string>? ShardLevelMetrics { get; init; }
}

/// <summary>The Kinesis structure shape <c>HashKeyRange</c>.</summary>
public sealed record HashKeyRange
{
    public required string StartingHashKey { get; init; }
    public required string EndingHashKey { get; init; }
}

/// <summary>The Kinesis structure shape <c>MinimumThroughputBillingCommitmentInput</c>.</summary>
public sealed record MinimumThroughputBillingCommitmentInput
{
    public required string Status { get; init; }
}

/// <summary>The Kinesis structure shape <c>MinimumThroughputBillingCommitmentOutput</c>.</summary>
public sealed record MinimumThroughputBillingCommitmentOutput
{
    public required string Status { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public DateTimeOffset? EarliestAllowedEndAt { get; init; }
}

/// <summary>The Kinesis structure shape <c>PutRecordsRequestEntry</c>.</summary>
public sealed record PutRecordsRequestEntry
{
    public required byte[] Data { get; init; }
    public string? ExplicitHashKey { get; init; }
    public required string PartitionKey { get; init; }
}

/// <summary>The Kinesis structure shape <c>PutRecordsResultEntry</c>.</summary>
public sealed record PutRecordsResultEntry
{
    public string? SequenceNumber { get; init; }
    public string? ShardId { get; init; }
    public string? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }
}

/// <summary>The Kinesis structure shape <c>Record</c>.</summary>
public sealed record Record
{
    public required string SequenceNumber { get; init; }
    public DateTimeOffset? ApproximateArrivalTimestamp { get; init; }
    public required byte[] Data { get; init; }
    public required string PartitionKey { get; init; }
    public string? EncryptionType { get; init; }
}

/// <summary>The Kinesis structure shape <c>SequenceNumberRange</c>.</summary>
public sealed record SequenceNumberRange
{
    public required string StartingSequenceNumber { get; init; }
    public string? EndingSequenceNumber { get; init; }
}

/// <summary>The Kinesis structure shape <c>Shard</c>.</summary>
public sealed record Shard
{
    public required string ShardId { get; init; }
    public string? ParentShardId { get; init; }
    public string? AdjacentParentShardId { get; init; }
    public required HashKeyRange HashKeyRange { get; init; }
    public required SequenceNumberRange SequenceNumberRange { get; init; }
}

/// <summary>The Kinesis structure shape <c>ShardFilter</c>.</summary>
public sealed record ShardFilter
{
    public required string Type { get; init; }
    public string? ShardId { get; init; }
    public DateTimeOffset? Timestamp { get; init; }
}

/// <summary>The Kinesis structure shape <c>StartingPosition</c>.</summary>
public sealed record StartingPosition
{
    public required string Type { get; init; }
    public string? SequenceNumber { get; init; }
    public DateTimeOffset? Timestamp { get; init; }
}

/// <summary>The Kinesis structure shape <c>StreamDescription</c>.</summary>
public sealed record StreamDescription
{
    public required string StreamName { get; init; }
    public required string StreamARN { get; init; }
    public required string StreamStatus { get; init; }
    public StreamModeDetails? StreamModeDetails { get; init; }
    public required IReadOnlyList<Shard> Shards { get; init; }
    public required bool HasMoreShards { get; init; }
    public required int RetentionPeriodHours { get; init; }
    public required DateTimeOffset StreamCreationTimestamp { get; init; }
    public required IReadOnlyList<EnhancedMetrics> EnhancedMonitoring { get; init; }
    public string? EncryptionType { get; init; }
    public string? KeyId { get; init; }
}

/// <summary>The Kinesis structure shape <c>StreamDescriptionSummary</c>.</summary>
public sealed record StreamDescriptionSummary
{
    public required string StreamName { get; init; }
    public required string StreamARN { get; init; }
    public string? StreamId { get; init; }
    public required string StreamStatus { get; init; }
    public StreamModeDetails? StreamModeDetails { get; init; }
    public required int RetentionPeriodHours { get; init; }
    public required DateTimeOffset StreamCreationTimestamp { get; init; }
    public required IReadOnlyList<EnhancedMetrics> EnhancedMonitoring { get; init; }
    public string? EncryptionType { get; init; }
    public string? KeyId { get; init; }
    public required int OpenShardCount { get; init; }
    public int? ConsumerCount { get; init; }
    public WarmThroughputObject? WarmThroughput { get; init; }
    public int? MaxRecordSizeInKiB { get; init; }
}

/// <summary>The Kinesis structure shape <c>StreamModeDetails</c>.</summary>
public sealed record StreamModeDetails
{
    public required string StreamMode { get; init; }
}

/// <summary>The Kinesis structure shape <c>StreamSummary</c>.</summary>
public sealed record StreamSummary
{
    public required string StreamName { get; init; }
    public required string StreamARN { get; init; }
    public required string StreamStatus { get; init; }
    public StreamModeDetails? StreamModeDetails { get; init; }
    public DateTimeOffset? StreamCreationTimestamp { get; init; }
}

/// <summary>The Kinesis structure shape <c>SubscribeToShardEvent</c>.</summary>
public sealed record SubscribeToShardEvent
{
    public required IReadOnlyList<Record> Records { get; init; }
    /// <summary>Required by the model, but absent at a shard's end (its ChildShards say where to go on).</summary>
    public string? ContinuationSequenceNumber { get; init; }
    public required long MillisBehindLatest { get; init; }
    public IReadOnlyList<ChildShard>? ChildShards { get; init; }
}

/// <summary>The Kinesis structure shape <c>Tag</c>.</summary>
public sealed record Tag
{
    public required string Key { get; init; }
    public string? Value { get; init; }
}

/// <summary>The Kinesis structure shape <c>WarmThroughputObject</c>.</summary>
public sealed record WarmThroughputObject
{
    public int? TargetMiBps { get; init; }
    public int? CurrentMiBps { get; init; }
}
