namespace Eddy.Core;

/// <summary>Persisted as its number: never renumber.</summary>
public enum StreamStatus { Creating = 0, Deleting = 1, Active = 2, Updating = 3 }

/// <summary>Persisted as its number: never renumber.</summary>
public enum StreamMode { Provisioned = 0, OnDemand = 1 }

/// <summary>Persisted as its number: never renumber.</summary>
public enum ConsumerStatus { Creating = 0, Deleting = 1, Active = 2 }

public enum ShardIteratorType { AtSequenceNumber, AfterSequenceNumber, TrimHorizon, Latest, AtTimestamp }

public enum ShardFilterType { AfterShardId, AtTrimHorizon, FromTrimHorizon, AtLatest, AtTimestamp, FromTimestamp }

public static class WireNames
{
    public static string ToWire(this StreamStatus s) => s switch
    {
        StreamStatus.Creating => "CREATING",
        StreamStatus.Deleting => "DELETING",
        StreamStatus.Active => "ACTIVE",
        _ => "UPDATING",
    };

    public static string ToWire(this StreamMode m) => m == StreamMode.OnDemand ? "ON_DEMAND" : "PROVISIONED";

    public static string ToWire(this ConsumerStatus s) => s switch
    {
        ConsumerStatus.Creating => "CREATING",
        ConsumerStatus.Deleting => "DELETING",
        _ => "ACTIVE",
    };

    public static StreamMode ParseStreamMode(string? wire) => wire == "ON_DEMAND" ? StreamMode.OnDemand : StreamMode.Provisioned;

    public static ShardIteratorType ParseIteratorType(string wire) => wire switch
    {
        "AT_SEQUENCE_NUMBER" => ShardIteratorType.AtSequenceNumber,
        "AFTER_SEQUENCE_NUMBER" => ShardIteratorType.AfterSequenceNumber,
        "TRIM_HORIZON" => ShardIteratorType.TrimHorizon,
        "LATEST" => ShardIteratorType.Latest,
        _ => ShardIteratorType.AtTimestamp,
    };

    public static ShardFilterType ParseShardFilterType(string wire) => wire switch
    {
        "AFTER_SHARD_ID" => ShardFilterType.AfterShardId,
        "AT_TRIM_HORIZON" => ShardFilterType.AtTrimHorizon,
        "AT_LATEST" => ShardFilterType.AtLatest,
        "AT_TIMESTAMP" => ShardFilterType.AtTimestamp,
        "FROM_TIMESTAMP" => ShardFilterType.FromTimestamp,
        _ => ShardFilterType.FromTrimHorizon,
    };
}

/// <summary>Names a stream by name, ARN or both (they must agree).</summary>
public readonly record struct StreamRef(string? Name, string? Arn);

public sealed record ShardView(
    string ShardId,
    string? ParentShardId,
    string? AdjacentParentShardId,
    HashKeyRange HashKeyRange,
    string StartingSequenceNumber,
    string? EndingSequenceNumber);

public sealed record ChildShardView(string ShardId, IReadOnlyList<string> ParentShards, HashKeyRange HashKeyRange);

/// <summary>A stream's description fields (DescribeStream / DescribeStreamSummary / ListStreams).</summary>
public sealed record StreamView(
    string Name,
    string Arn,
    string StreamId,
    StreamStatus Status,
    StreamMode Mode,
    int RetentionPeriodHours,
    DateTimeOffset CreatedAt,
    IReadOnlyList<string> ShardLevelMetrics,
    string EncryptionType,
    string? KeyId,
    int OpenShardCount,
    int ConsumerCount,
    int MaxRecordSizeInKiB,
    int? WarmThroughputTargetMiBps,
    int? WarmThroughputCurrentMiBps,
    ScalingView? LastScaling = null);

/// <summary>An automatic (ON_DEMAND) scaling decision: when, open shards before and after, and why.</summary>
public sealed record ScalingView(DateTimeOffset At, int FromShards, int ToShards, string Reason);

public sealed record StreamPage(StreamView Stream, IReadOnlyList<ShardView> Shards, bool HasMoreShards);

public sealed record ConsumerView(string Name, string Arn, ConsumerStatus Status, DateTimeOffset CreatedAt, string StreamArn);

public sealed record ListStreamsResult(IReadOnlyList<StreamView> Streams, bool HasMore, string? NextToken);

public sealed record ListShardsResult(IReadOnlyList<ShardView> Shards, string? NextToken);

public sealed record ListConsumersResult(IReadOnlyList<ConsumerView> Consumers, string? NextToken);

public sealed record TagListResult(IReadOnlyList<KeyValuePair<string, string>> Tags, bool HasMore);

public sealed record MonitoringChange(string StreamName, string StreamArn, IReadOnlyList<string> Current, IReadOnlyList<string> Desired);

public sealed record ShardCountChange(string StreamName, string StreamArn, int Current, int Target);

public sealed record LimitsView(int ShardLimit, int OpenShardCount, int OnDemandStreamCount, int OnDemandStreamCountLimit);

public sealed record BillingCommitment(string Status, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, DateTimeOffset? EarliestAllowedEndAt);

public sealed record WarmThroughputView(string StreamName, string StreamArn, int? TargetMiBps, int? CurrentMiBps);

/// <summary>One record to put. <see cref="PartitionKey"/> is UTF-8; <see cref="HashKey"/> is the explicit hash key or MD5 of the partition key.</summary>
public readonly record struct PutEntry(ReadOnlyMemory<byte> PartitionKey, ReadOnlyMemory<byte> Data, UInt128 HashKey);

/// <summary>Per-record outcome: a sequence number and shard, or an error code and message. The sequence number is kept
/// as its value (<see cref="Sequence"/>) and written out only when asked: PutRecords formats 500 per call straight into
/// the answer instead of making a string each.</summary>
public readonly record struct PutOutcome(string? ShardId, SequenceNumber? Sequence, string? ErrorCode, string? ErrorMessage)
{
    /// <summary>The sequence number as AWS writes it (decimal), or null for a failed record.</summary>
    public string? SequenceNumber => Sequence?.ToString();
}

public sealed record PutRecordsResult(PutOutcome[] Records, int FailedRecordCount, string EncryptionType);

/// <summary>A record as read back. <see cref="PartitionKey"/> and <see cref="Data"/> are UTF-8 / raw bytes.</summary>
public readonly record struct ReadRecord(string SequenceNumber, long ArrivalMs, ReadOnlyMemory<byte> PartitionKey, ReadOnlyMemory<byte> Data, bool Encrypted);

/// <summary>A GetRecords answer. Record memory may be pooled: it stays valid until the result is disposed.</summary>
public sealed record GetRecordsResult(IReadOnlyList<ReadRecord> Records, string? NextShardIterator, long MillisBehindLatest, IReadOnlyList<ChildShardView>? ChildShards) : IDisposable
{
    /// <summary>What holds the records' memory (the storage read), released by <see cref="Dispose"/>.</summary>
    public IDisposable? Lease { get; init; }

    public void Dispose() => Lease?.Dispose();
}

/// <summary>One SubscribeToShard event. Record memory may be pooled: it stays valid until the event is disposed.</summary>
public sealed record SubscriptionEvent(IReadOnlyList<ReadRecord> Records, string? ContinuationSequenceNumber, long MillisBehindLatest, IReadOnlyList<ChildShardView>? ChildShards) : IDisposable
{
    public IDisposable? Lease { get; init; }

    public void Dispose() => Lease?.Dispose();
}

/// <summary>
/// An enhanced fan-out subscription to one shard for one consumer (SubscribeToShard). Events come as soon as records
/// are written, as heartbeats (no records) when the shard is idle, and last as the shard-end event (ChildShards, no
/// continuation) when the shard is closed and fully delivered.
/// </summary>
public interface IShardSubscription : IAsyncDisposable
{
    /// <summary>The next event, or null once the subscription has ended (see <see cref="EndReason"/>).</summary>
    ValueTask<SubscriptionEvent?> NextAsync(CancellationToken cancellationToken);

    /// <summary>Why the subscription ended early (taken over, consumer or stream deleted); null when it simply ran its course.</summary>
    KinesisException? EndReason { get; }
}
