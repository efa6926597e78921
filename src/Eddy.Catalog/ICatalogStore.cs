using Eddy.Core;

namespace Eddy.Catalog;

/// <summary>
/// The durable catalog of every Eddy service: what exists (streams, their shards and lineage, consumers, tags,
/// policies, settings) and where internal consumers stand (checkpoints), in one store with one schema area per
/// service. Implementations: <see cref="SqliteCatalogStore"/> (the embedded default, <c>&lt;data-dir&gt;/catalog.db</c>) and
/// <see cref="MemoryCatalogStore"/> (the twin, for <c>--in-memory</c> and tests); both pass the same contract tests. A
/// shared PostgreSQL implementation can be added behind the same interfaces: every operation is asynchronous and takes
/// and returns plain records.
/// </summary>
/// <remarks>
/// Threading: each area states its own contract. Failure: an operation that throws has changed nothing (each write is
/// one transaction); <see cref="CatalogException"/> wraps what the backing store reported. Ownership: records passed in
/// are copied; records returned are the caller's.
/// </remarks>
public partial interface ICatalogStore : IAsyncDisposable
{
    /// <summary>Data Streams: streams with their shards and consumers, tags, resource policies.</summary>
    IStreamCatalog Streams { get; }

    /// <summary>Positions of Eddy's own consumers (delivery streams, SQL applications, triggers) in the shards they read
    /// (the port is <see cref="ICheckpointStore"/> in Eddy.Core).</summary>
    ICheckpointStore Checkpoints { get; }

    /// <summary>Firehose: delivery streams and their delivery checkpoints.</summary>
    IFirehoseCatalog Firehose { get; }

    /// <summary>Small named settings (keys, counters, account settings).</summary>
    IMetaStore Meta { get; }
}

/// <summary>Key-value settings. Thread-safe.</summary>
public interface IMetaStore
{
    /// <summary>The value stored under <paramref name="key"/>, or null.</summary>
    ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/> (replacing any value), durably before it returns.</summary>
    ValueTask SetAsync(string key, string value, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores <paramref name="value"/> under <paramref name="key"/> only if nothing is stored there yet; returns what is
    /// stored afterwards (the caller's value, or the one that was already there). For values created once, such as keys.
    /// </summary>
    ValueTask<string> GetOrAddAsync(string key, string value, CancellationToken cancellationToken = default);
}

/// <summary>
/// The Data Streams area. Not thread-safe for writes: the engine makes control-plane changes one at a time (under its
/// control lock); loads run at start-up before anything else.
/// </summary>
public interface IStreamCatalog
{
    /// <summary>A stream id never handed out before, also across deletions and restarts (ids name incarnations).</summary>
    ValueTask<long> NextStreamIdAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes the stream and replaces its shards and consumers with those of <paramref name="stream"/>, in one
    /// transaction, durably before it returns.</summary>
    ValueTask SaveStreamAsync(StreamRecord stream, CancellationToken cancellationToken = default);

    /// <summary>Deletes the stream, its shards and consumers, and the tags and policies of <paramref name="resourceArns"/>,
    /// in one transaction. Deleting an absent stream is a no-op.</summary>
    ValueTask DeleteStreamAsync(long streamId, IReadOnlyList<string> resourceArns, CancellationToken cancellationToken = default);

    /// <summary>Replaces the tags of a resource (none: deletes them).</summary>
    ValueTask SaveTagsAsync(string resourceArn, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default);

    /// <summary>Stores a resource policy verbatim, or deletes it (<paramref name="policy"/> null).</summary>
    ValueTask SavePolicyAsync(string resourceArn, string? policy, CancellationToken cancellationToken = default);

    /// <summary>Every stream, with its shards (in index order) and consumers (in name order), in id order.</summary>
    ValueTask<IReadOnlyList<StreamRecord>> LoadStreamsAsync(CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<TagRecord>> LoadTagsAsync(CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<PolicyRecord>> LoadPoliciesAsync(CancellationToken cancellationToken = default);
}

/// <summary>A stream as stored. <see cref="Metrics"/> are the enhanced-monitoring metric names.</summary>
public sealed record StreamRecord(
    long Id,
    string Name,
    string Token,
    StreamStatus Status,
    StreamMode Mode,
    int RetentionHours,
    long CreatedMs,
    string EncryptionType,
    string? KeyId,
    IReadOnlyList<string> Metrics,
    int MaxRecordKiB,
    int? WarmTargetMiBps,
    int NextShardIndex,
    string? PendingUpdate,
    IReadOnlyList<ShardRecord> Shards,
    IReadOnlyList<ConsumerRecord> Consumers);

/// <summary>A shard: lineage as indices, hash range, creation, the epoch of its sequence numbers, and for a closed shard
/// when it closed and one past its last record's offset.</summary>
public sealed record ShardRecord(int Index, int? Parent, int? Adjacent, UInt128 StartHash, UInt128 EndHash, long CreatedMs, long SeqEpoch, long? ClosedMs, long? EndOffset);

public sealed record ConsumerRecord(string Name, long CreatedMs, ConsumerStatus Status);

public sealed record TagRecord(string ResourceArn, string Key, string Value);

public sealed record PolicyRecord(string ResourceArn, string Policy);

/// <summary>The backing store failed (I/O, corruption, a newer schema than this version knows).</summary>
public sealed class CatalogException(string message, Exception? inner = null) : Exception(message, inner);
