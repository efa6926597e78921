namespace Eddy.Core.Firehose;

/// <summary>
/// Firehose delivery streams: the control plane (create, describe, list, update the destination, delete, tags,
/// encryption) and the data plane (put records into a delivery stream's durable buffer). The engine delivers buffered
/// records to the destination in the background. Implemented by <c>Eddy.Firehose.FirehoseEngine</c>; the HTTP front
/// (<c>Eddy.Server.Firehose</c>) sees only this port.
/// </summary>
/// <remarks>
/// <para><b>Threading.</b> Every member may be called concurrently. Control-plane changes run one at a time and are in
/// the catalog before they return; puts take no control lock.</para>
/// <para><b>Durability.</b> <see cref="PutRecordsAsync"/> completes only once every record is in the delivery
/// stream's buffer log (durable per the log store's fsync policy): an acknowledged record survives <c>kill -9</c> and
/// is delivered exactly once after a restart.</para>
/// <para><b>Configuration.</b> Destination configurations cross this port as JSON text of the model's shapes (the
/// engine parses them; Core has no JSON); the request has already passed the model's validator.</para>
/// <para><b>Cancellation.</b> Cancelling a put before its append is queued refuses it; once queued, the append is
/// carried out. Control-plane calls observe the token only before they change anything.</para>
/// <para><b>Failure.</b> Refusals are <see cref="FirehoseException"/>s with AWS's types and messages; an I/O failure of
/// the buffer or the catalog surfaces as the exception met, and the call changed nothing that was acknowledged.</para>
/// </remarks>
public interface IFirehoseEngine
{
    string Account { get; }

    string Region { get; }

    /// <summary>Creates a delivery stream (CREATING, then ACTIVE once the state delay passes); returns its ARN.
    /// ResourceInUse when the name exists; InvalidArgument for a configuration AWS refuses; LimitExceeded past the
    /// delivery-stream quota.</summary>
    ValueTask<string> CreateDeliveryStreamAsync(CreateDeliveryStreamInput input, CancellationToken cancellationToken = default);

    /// <summary>Starts deleting (DELETING, then gone; its buffer is dropped undelivered as AWS drops it).
    /// ResourceInUse while CREATING unless <paramref name="allowForceDelete"/>.</summary>
    ValueTask DeleteDeliveryStreamAsync(string name, bool allowForceDelete, CancellationToken cancellationToken = default);

    /// <summary>The delivery stream as DescribeDeliveryStream shows it. ResourceNotFound.</summary>
    ValueTask<DeliveryStreamView> DescribeDeliveryStreamAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Names in ordinal order after <paramref name="exclusiveStartName"/>, at most <paramref name="limit"/>
    /// (default 10), optionally only of one type.</summary>
    ValueTask<DeliveryStreamList> ListDeliveryStreamsAsync(int? limit, string? type, string? exclusiveStartName, CancellationToken cancellationToken = default);

    /// <summary>Appends the records to the delivery stream's buffer; completes when they are durable. InvalidArgument
    /// for a stream-sourced delivery stream; ResourceNotFound for an unknown or not ACTIVE one.</summary>
    ValueTask<FirehosePutResult> PutRecordsAsync(string name, IReadOnlyList<ReadOnlyMemory<byte>> records, CancellationToken cancellationToken = default);

    /// <summary>Changes the destination (merge for the same type, replace for another), VersionId + 1.
    /// ConcurrentModification for a stale <paramref name="currentVersionId"/>; InvalidArgument for an unknown
    /// destination id or a refused configuration.</summary>
    ValueTask UpdateDestinationAsync(string name, string currentVersionId, string destinationId, DestinationInput update, CancellationToken cancellationToken = default);

    /// <summary>Adds or replaces tags (at most 50 in all: LimitExceeded).</summary>
    ValueTask TagDeliveryStreamAsync(string name, IReadOnlyList<KeyValuePair<string, string>> tags, CancellationToken cancellationToken = default);

    /// <summary>Removes tags; unknown keys are ignored.</summary>
    ValueTask UntagDeliveryStreamAsync(string name, IReadOnlyList<string> keys, CancellationToken cancellationToken = default);

    /// <summary>Tags in key order after <paramref name="exclusiveStartKey"/>, at most <paramref name="limit"/> (default 50).</summary>
    ValueTask<TagList> ListTagsForDeliveryStreamAsync(string name, string? exclusiveStartKey, int? limit, CancellationToken cancellationToken = default);

    /// <summary>Server-side encryption on (ENABLING, then ENABLED). Only for DirectPut delivery streams.</summary>
    ValueTask StartEncryptionAsync(string name, EncryptionInput? encryption, CancellationToken cancellationToken = default);

    /// <summary>Server-side encryption off (DISABLING, then DISABLED).</summary>
    ValueTask StopEncryptionAsync(string name, CancellationToken cancellationToken = default);
}

/// <summary>Status of a delivery stream. Persisted (catalog): numbers never change.</summary>
public enum DeliveryStreamStatus
{
    Creating = 0,
    Active = 1,
    Deleting = 2,
    CreatingFailed = 3,
    DeletingFailed = 4,
}

/// <summary>Status of a delivery stream's server-side encryption. Persisted (catalog): numbers never change.</summary>
public enum DeliveryEncryptionStatus
{
    Disabled = 0,
    Enabling = 1,
    Enabled = 2,
    Disabling = 3,
    EnablingFailed = 4,
    DisablingFailed = 5,
}

/// <summary>Wire names of the Firehose enums.</summary>
public static class FirehoseWire
{
    public const string DirectPut = "DirectPut";
    public const string KinesisStreamAsSource = "KinesisStreamAsSource";

    public static string ToWire(this DeliveryStreamStatus status) => status switch
    {
        DeliveryStreamStatus.Creating => "CREATING",
        DeliveryStreamStatus.Active => "ACTIVE",
        DeliveryStreamStatus.Deleting => "DELETING",
        DeliveryStreamStatus.CreatingFailed => "CREATING_FAILED",
        DeliveryStreamStatus.DeletingFailed => "DELETING_FAILED",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static string ToWire(this DeliveryEncryptionStatus status) => status switch
    {
        DeliveryEncryptionStatus.Disabled => "DISABLED",
        DeliveryEncryptionStatus.Enabling => "ENABLING",
        DeliveryEncryptionStatus.Enabled => "ENABLED",
        DeliveryEncryptionStatus.Disabling => "DISABLING",
        DeliveryEncryptionStatus.EnablingFailed => "ENABLING_FAILED",
        DeliveryEncryptionStatus.DisablingFailed => "DISABLING_FAILED",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };
}

/// <summary>One destination of a request: the model's member name (e.g. <c>ExtendedS3DestinationConfiguration</c>,
/// <c>ExtendedS3DestinationUpdate</c>) and its JSON text.</summary>
public sealed record DestinationInput(string Member, string Json);

/// <summary>A Kinesis stream as a delivery stream's source.</summary>
public sealed record KinesisSourceInput(string KinesisStreamArn, string RoleArn);

/// <summary>Server-side encryption asked for: <c>AWS_OWNED_CMK</c> or <c>CUSTOMER_MANAGED_CMK</c> (with a key ARN).</summary>
public sealed record EncryptionInput(string KeyType, string? KeyArn);

/// <summary>What CreateDeliveryStream asks for. <see cref="Destinations"/> holds every destination member present
/// (AWS requires exactly one).</summary>
public sealed record CreateDeliveryStreamInput(
    string Name,
    string? Type,
    KinesisSourceInput? KinesisSource,
    EncryptionInput? Encryption,
    IReadOnlyList<DestinationInput> Destinations,
    IReadOnlyList<KeyValuePair<string, string>> Tags);

/// <summary>A delivery stream as DescribeDeliveryStream shows it. <see cref="DestinationJson"/> is the whole
/// <c>DestinationDescription</c> object (DestinationId and the description members, defaults filled in, secrets
/// left out).</summary>
public sealed record DeliveryStreamView(
    string Name,
    string Arn,
    DeliveryStreamStatus Status,
    string Type,
    string VersionId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUpdatedAt,
    EncryptionView Encryption,
    KinesisSourceView? Source,
    string DestinationJson);

/// <summary>The encryption part of a description.</summary>
public sealed record EncryptionView(DeliveryEncryptionStatus Status, string? KeyType, string? KeyArn);

/// <summary>A Kinesis source as described: the stream, the role, and where delivery started.</summary>
public sealed record KinesisSourceView(string KinesisStreamArn, string RoleArn, DateTimeOffset DeliveryStartTimestamp);

public sealed record DeliveryStreamList(IReadOnlyList<string> Names, bool HasMore);

public sealed record TagList(IReadOnlyList<KeyValuePair<string, string>> Tags, bool HasMore);

/// <summary>What a put acknowledged: one opaque record id per record, in order; whether they were encrypted.</summary>
public sealed record FirehosePutResult(IReadOnlyList<string> RecordIds, bool Encrypted);
