using Eddy.Core.Firehose;

namespace Eddy.Catalog;

/// <summary>
/// The Firehose area: delivery streams (configuration as JSON text, version, status, encryption, tags) and each
/// destination's delivery checkpoint in the delivery stream's buffer log.
/// </summary>
/// <remarks>
/// <para>Threading: thread-safe; the engine makes control-plane changes one at a time, and each delivery loop saves
/// only its own checkpoint. Every write is one transaction, durable before it returns.</para>
/// <para>Failure: an operation that throws has changed nothing (<see cref="CatalogException"/>).</para>
/// </remarks>
public interface IFirehoseCatalog
{
    /// <summary>A delivery stream id never handed out before, also across deletions and restarts (it names the
    /// delivery stream's buffer log).</summary>
    ValueTask<long> NextDeliveryStreamIdAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes the delivery stream (replacing it and its tags).</summary>
    ValueTask SaveDeliveryStreamAsync(DeliveryStreamRecord stream, CancellationToken cancellationToken = default);

    /// <summary>Deletes the delivery stream, its tags and its checkpoints. Deleting an absent one is a no-op.</summary>
    ValueTask DeleteDeliveryStreamAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Every delivery stream with its tags (in key order), in id order.</summary>
    ValueTask<IReadOnlyList<DeliveryStreamRecord>> LoadDeliveryStreamsAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores (replaces) one destination's checkpoint.</summary>
    ValueTask SaveDeliveryCheckpointAsync(DeliveryCheckpoint checkpoint, CancellationToken cancellationToken = default);

    /// <summary>Every checkpoint, in (delivery stream, destination) order.</summary>
    ValueTask<IReadOnlyList<DeliveryCheckpoint>> LoadDeliveryCheckpointsAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// A delivery stream as stored. <see cref="DestinationJson"/> is the destination's configuration as the engine
/// normalized it (member name → shape JSON); <see cref="SourceJson"/> the Kinesis source, if any. Times are Unix ms.
/// </summary>
public sealed record DeliveryStreamRecord(
    long Id,
    string Name,
    string Type,
    DeliveryStreamStatus Status,
    long VersionId,
    long CreatedMs,
    long? UpdatedMs,
    string DestinationId,
    string DestinationJson,
    string? SourceJson,
    DeliveryEncryptionStatus EncryptionStatus,
    string? KeyType,
    string? KeyArn,
    IReadOnlyList<KeyValuePair<string, string>> Tags);

/// <summary>
/// Where a destination stands in its delivery stream's buffer log: every record before <see cref="DeliveredOffset"/> is
/// delivered. A flush in progress is recorded before its object is written (<see cref="PendingEndOffset"/>,
/// <see cref="PendingKey"/>), so a restart redoes exactly that range under exactly that key (an overwrite, never a
/// second object).
/// </summary>
public sealed record DeliveryCheckpoint(long DeliveryStreamId, string DestinationId, long DeliveredOffset, long? PendingEndOffset, string? PendingKey, long UpdatedMs);
