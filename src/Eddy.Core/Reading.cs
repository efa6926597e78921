namespace Eddy.Core;

/// <summary>Where a reader starts in a shard: the five positions of GetShardIterator.</summary>
public readonly record struct ShardPosition(ShardIteratorType Type, string? SequenceNumber = null, DateTimeOffset? Timestamp = null)
{
    public static ShardPosition TrimHorizon => new(ShardIteratorType.TrimHorizon);
    public static ShardPosition Latest => new(ShardIteratorType.Latest);
    public static ShardPosition AtSequenceNumber(string sequenceNumber) => new(ShardIteratorType.AtSequenceNumber, sequenceNumber);
    public static ShardPosition AfterSequenceNumber(string sequenceNumber) => new(ShardIteratorType.AfterSequenceNumber, sequenceNumber);
    public static ShardPosition AtTimestamp(DateTimeOffset timestamp) => new(ShardIteratorType.AtTimestamp, null, timestamp);
}

/// <summary>
/// Reading shards from inside the server: for Eddy's own consumers (a delivery stream's stream source, SQL
/// applications, triggers) and for SubscribeToShard. Unlike GetRecords there are no iterators, no throughput limits
/// and no polling: a reader waits on the shard's log for the next write.
/// </summary>
public interface IShardReaders
{
    /// <summary>A reader over one shard of a stream from <paramref name="from"/>.</summary>
    /// <exception cref="KinesisException">ResourceNotFoundException for an unknown stream or shard, InvalidArgumentException
    /// for a position that does not fit the shard (as GetShardIterator answers).</exception>
    ValueTask<IShardReader> OpenReaderAsync(StreamRef stream, string shardId, ShardPosition from);

    /// <summary>The stream's retained shards with their lineage, and the stream's incarnation id (checkpoints name it).</summary>
    ValueTask<StreamShards> DescribeShardsAsync(StreamRef stream);
}

/// <summary>A stream's shards for a reader that follows resharding: each shard, whether it is still open, and its parents.</summary>
public sealed record StreamShards(string StreamName, string StreamArn, long StreamId, IReadOnlyList<ShardLineage> Shards);

/// <summary>One shard's lineage: its parents (none for a root), and whether it still takes writes.</summary>
public sealed record ShardLineage(string ShardId, int Index, IReadOnlyList<string> ParentShardIds, bool IsOpen);

/// <summary>
/// Reads one shard in order. Threading: one caller at a time (one loop per shard); <see cref="IDisposable.Dispose"/> once
/// done. The reader owns its position: each batch continues where the previous one ended.
/// </summary>
public interface IShardReader : IDisposable
{
    string StreamArn { get; }

    /// <summary>The stream's incarnation (a stream deleted and created again under the same name has another id).</summary>
    long StreamId { get; }

    string ShardId { get; }

    /// <summary>
    /// The next records: at most <paramref name="maxRecords"/> and about <paramref name="maxBytes"/> of data (always at
    /// least one record when one is available). When none is available it waits, without polling, until a record is
    /// written, the shard ends, <paramref name="maxWait"/> passes (then the batch is empty; <see cref="TimeSpan.Zero"/>: do not
    /// wait, <see cref="Timeout.InfiniteTimeSpan"/>: no deadline) or
    /// <paramref name="cancellationToken"/> is cancelled (then it throws <see cref="OperationCanceledException"/>). A batch
    /// that reaches the end of a closed shard says so (<see cref="ShardBatch.ShardEnded"/>, with the children to read next);
    /// reading on after that returns empty ended batches.
    /// </summary>
    /// <exception cref="KinesisException">ResourceNotFoundException once the stream or the shard is gone.</exception>
    ValueTask<ShardBatch> ReadAsync(int maxRecords, long maxBytes, TimeSpan maxWait, CancellationToken cancellationToken);
}

/// <summary>
/// Records read from one shard. Their memory may be pooled: it stays valid until the batch is disposed.
/// <see cref="LastSequenceNumber"/> is the last record's, or null for an empty batch.
/// </summary>
public sealed class ShardBatch(IReadOnlyList<ReadRecord> records, long millisBehindLatest, bool shardEnded, IReadOnlyList<ChildShardView>? childShards, IDisposable? lease) : IDisposable
{
    private IDisposable? _lease = lease;

    public IReadOnlyList<ReadRecord> Records { get; } = records;
    public long MillisBehindLatest { get; } = millisBehindLatest;
    public bool ShardEnded { get; } = shardEnded;

    /// <summary>When <see cref="ShardEnded"/>: the shards that continue this one (parents are read before children).</summary>
    public IReadOnlyList<ChildShardView>? ChildShards { get; } = childShards;

    public string? LastSequenceNumber => Records.Count == 0 ? null : Records[^1].SequenceNumber;

    /// <summary>Hands the records' memory over to the caller, who disposes what is returned (this batch no longer releases it).</summary>
    public IDisposable? TakeLease() => Interlocked.Exchange(ref _lease, null);

    public void Dispose() => Interlocked.Exchange(ref _lease, null)?.Dispose();
}

/// <summary>
/// Durable positions of Eddy's own named consumers, per shard of a stream incarnation (implemented by the catalog).
/// Thread-safe; a save is durable before it returns, so a consumer that saves after processing resumes after a restart
/// (or <c>kill -9</c>) at most from its last save.
/// </summary>
public interface ICheckpointStore
{
    /// <summary>Every checkpoint of <paramref name="consumer"/>, in (stream, shard) order.</summary>
    ValueTask<IReadOnlyList<Checkpoint>> LoadAsync(string consumer, CancellationToken cancellationToken = default);

    /// <summary>Stores (replaces) the checkpoints given, all in one transaction.</summary>
    ValueTask SaveAsync(IReadOnlyList<Checkpoint> checkpoints, CancellationToken cancellationToken = default);

    /// <summary>Deletes every checkpoint of <paramref name="consumer"/> (when the consumer itself is deleted).</summary>
    ValueTask DeleteConsumerAsync(string consumer, CancellationToken cancellationToken = default);

    /// <summary>Deletes every checkpoint in a stream (when the stream is deleted).</summary>
    ValueTask DeleteStreamAsync(long streamId, CancellationToken cancellationToken = default);
}

/// <summary>
/// Where consumer <see cref="Consumer"/> stands in shard <see cref="ShardIndex"/> of stream incarnation
/// <see cref="StreamId"/>: the last sequence number (and KPL sub-sequence number) it has finished with, or
/// <see cref="ShardEnded"/> once it has read the shard to its end.
/// </summary>
public sealed record Checkpoint(string Consumer, long StreamId, int ShardIndex, string? SequenceNumber, long SubSequenceNumber, bool ShardEnded, long UpdatedMs);
