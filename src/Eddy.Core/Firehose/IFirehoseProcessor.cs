namespace Eddy.Core.Firehose;

/// <summary>
/// The processing step of a delivery stream, between its buffer and its destination: what
/// <c>ProcessingConfiguration</c> configures (Lambda transform, record de-aggregation, metadata extraction, delimiter).
/// The engine calls it once per flush when the destination's <c>ProcessingConfiguration.Enabled</c> is true; without a
/// registered processor (or with processing off) records go to the destination unchanged.
/// </summary>
/// <remarks>
/// <para><b>Threading.</b> Called concurrently for different delivery streams, one call at a time per delivery stream.</para>
/// <para><b>Ownership.</b> The input records' memory is valid only during the call; results must own their bytes.</para>
/// <para><b>Determinism.</b> A flush interrupted by a crash is processed again after the restart and overwrites the
/// same object; a processor whose output differs on the second run changes what that object holds, never how many
/// objects there are.</para>
/// <para><b>Cancellation.</b> The token is cancelled when the server stops; the flush is then retried after restart.</para>
/// <para><b>Failure.</b> Records the processor refuses go in <see cref="ProcessingResult.Failed"/> (the engine writes
/// them to the error output as <c>processing-failed</c>); an exception fails the flush, which is retried with backoff.</para>
/// </remarks>
public interface IFirehoseProcessor
{
    ValueTask<ProcessingResult> ProcessAsync(ProcessingContext context, IReadOnlyList<FirehoseRecord> records, CancellationToken cancellationToken);

    /// <summary>Checks a <c>ProcessingConfiguration</c> (JSON) at CreateDeliveryStream and UpdateDestination: throws a
    /// <see cref="ServiceException"/> (<c>InvalidArgumentException</c>) for one the processor cannot run. The default
    /// accepts everything.</summary>
    void Validate(string processingConfigurationJson)
    {
    }
}

/// <summary>What a processor knows of the delivery stream: names and the destination's <c>ProcessingConfiguration</c>
/// JSON.</summary>
public sealed record ProcessingContext(string DeliveryStreamName, string DeliveryStreamArn, string ProcessingConfigurationJson, string? SourceKinesisStreamArn);

/// <summary>A buffered record: its opaque id, arrival time (Unix ms) and bytes; for a <c>KinesisStreamAsSource</c> delivery
/// stream also where it was read (null for DirectPut records).</summary>
public sealed record FirehoseRecord(string RecordId, long ArrivalMs, ReadOnlyMemory<byte> Data, KinesisRecordMetadata? Kinesis = null);

/// <summary>The Lambda event's <c>kinesisRecordMetadata</c> of a stream-source record: the shard, the partition key, the
/// stream's arrival time (Unix ms), the sequence number, and the position inside a KPL aggregate (<c>subsequenceNumber</c>,
/// empty for a plain record).</summary>
public sealed record KinesisRecordMetadata(string ShardId, string PartitionKey, long ApproximateArrivalTimestampMs, string SequenceNumber, string SubsequenceNumber = "");

/// <summary>A record as the processor left it, with the partition keys it extracted (null: none), named as the prefix
/// expression names them: <c>partitionKeyFromQuery:KEY</c>, <c>partitionKeyFromLambda:KEY</c>.</summary>
public sealed record ProcessedRecord(string RecordId, long ArrivalMs, ReadOnlyMemory<byte> Data, IReadOnlyDictionary<string, string>? PartitionKeys = null);

/// <summary>A record the processor failed, with AWS's error code and message (e.g. <c>Lambda.FunctionError</c>).</summary>
/// <param name="ErrorOutputType">The value of <c>!{firehose:error-output-type}</c>: the error output the record goes to.</param>
/// <param name="Document">The record's JSON line as the processor wrote it (AWS's fields, e.g. <c>lambdaArn</c>); null:
/// the engine writes one from the other fields.</param>
public sealed record FailedRecord(FirehoseRecord Record, string ErrorCode, string ErrorMessage, string ErrorOutputType = FailedRecord.ProcessingFailed,
    ReadOnlyMemory<byte>? Document = null)
{
    /// <summary>The error output type of records the processing step failed.</summary>
    public const string ProcessingFailed = "processing-failed";

    /// <summary>The error output type of records dynamic partitioning could not place (not JSON for the query, a partition
    /// key missing, the active-partition limit). AWS's string is not in the reference (UNVERIFIED): Eddy writes
    /// <c>partitioning-failed</c>.</summary>
    public const string PartitioningFailed = "partitioning-failed";
}

/// <summary>The outcome of one call: records to deliver (dropped ones absent), records to the error output.</summary>
public sealed record ProcessingResult(IReadOnlyList<ProcessedRecord> Delivered, IReadOnlyList<FailedRecord> Failed);
