using Eddy.Core;
using Eddy.Core.Firehose;

namespace Eddy.Functions.Firehose;

/// <summary>A record entering processing (from the delivery stream's buffer).</summary>
/// <param name="RecordId">Opaque, unique within the batch (Firehose's record id; the Lambda event's <c>recordId</c>).</param>
/// <param name="ArrivalTimestampMs">Approximate arrival time, epoch milliseconds.</param>
/// <param name="Data">The record's bytes.</param>
/// <param name="Kinesis">For a Kinesis stream source: where the record came from; null for DirectPut.</param>
public sealed record SourceRecord(string RecordId, long ArrivalTimestampMs, ReadOnlyMemory<byte> Data, KinesisRecordMetadata? Kinesis = null);

/// <summary>A record leaving processing for the destination, with the partition keys dynamic partitioning uses.</summary>
/// <param name="FromQuery">Keys from the MetadataExtraction (jq) processor (empty without one).</param>
/// <param name="FromLambda">Keys from the Lambda response's <c>metadata.partitionKeys</c> (empty without).</param>
public sealed record ProcessedRecord(
    string RecordId,
    long ArrivalTimestampMs,
    ReadOnlyMemory<byte> Data,
    IReadOnlyDictionary<string, string> FromQuery,
    IReadOnlyDictionary<string, string> FromLambda);

/// <summary>A record that failed processing: the error output type (the value of <c>!{firehose:error-output-type}</c>)
/// and the JSON document written for it, one line per record, as AWS writes it.</summary>
public sealed record ErrorDocument(string ErrorOutputType, string RecordId, ReadOnlyMemory<byte> Json);

/// <summary>What processing made of a batch: the records for the destination, in order, and the error documents.</summary>
public sealed record ProcessingOutcome(IReadOnlyList<ProcessedRecord> Records, IReadOnlyList<ErrorDocument> Errors);

/// <summary>One <c>Processor</c> of a <c>ProcessingConfiguration</c>: its <c>Type</c> and its parameters by name, as the
/// API gives them (values are strings).</summary>
public sealed record ProcessorSpec(string Type, IReadOnlyDictionary<string, string> Parameters);

/// <summary>Where a batch is processed: the delivery stream, its region, and for a stream source the source stream.</summary>
public sealed record DeliveryContext(string DeliveryStreamArn, string Region, string? SourceKinesisStreamArn = null);

/// <summary>Firehose's <c>InvalidArgumentException</c> (HTTP 400) for a processing configuration Eddy cannot run.</summary>
public sealed class ProcessingConfigurationException(string message) : ServiceException("InvalidArgumentException", message);
