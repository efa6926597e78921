using System.Text.Json.Serialization;
using Eddy.Client.Kinesis;

namespace Eddy.Client.Firehose;

/// <summary>
/// System.Text.Json source generation for the Firehose records (no reflection): members as the model names them, absent
/// members left out, timestamps as epoch seconds, blobs as base64.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(EpochSecondsConverter)])]
[JsonSerializable(typeof(CreateDeliveryStreamRequest))]
[JsonSerializable(typeof(CreateDeliveryStreamResponse))]
[JsonSerializable(typeof(DescribeDeliveryStreamRequest))]
[JsonSerializable(typeof(DescribeDeliveryStreamResponse))]
[JsonSerializable(typeof(DeleteDeliveryStreamRequest))]
[JsonSerializable(typeof(DeleteDeliveryStreamResponse))]
[JsonSerializable(typeof(PutRecordBatchRequest))]
[JsonSerializable(typeof(PutRecordBatchResponse))]
[JsonSerializable(typeof(IReadOnlyList<DeliveryStreamMetrics>))]
public sealed partial class FirehoseJsonContext : JsonSerializerContext;

public sealed record CreateDeliveryStreamRequest
{
    public required string DeliveryStreamName { get; init; }
    public string? DeliveryStreamType { get; init; }
    public ExtendedS3DestinationConfiguration? ExtendedS3DestinationConfiguration { get; init; }
}

public sealed record ExtendedS3DestinationConfiguration
{
    public required string RoleARN { get; init; }
    public required string BucketARN { get; init; }
    public string? Prefix { get; init; }
    public string? ErrorOutputPrefix { get; init; }
    public BufferingHints? BufferingHints { get; init; }
    public string? CompressionFormat { get; init; }
}

public sealed record BufferingHints(int SizeInMBs, int IntervalInSeconds);

public sealed record CreateDeliveryStreamResponse
{
    public string? DeliveryStreamARN { get; init; }
}

public sealed record DescribeDeliveryStreamRequest
{
    public required string DeliveryStreamName { get; init; }
}

public sealed record DescribeDeliveryStreamResponse
{
    public required DeliveryStreamDescription DeliveryStreamDescription { get; init; }
}

/// <summary>The members of <c>DeliveryStreamDescription</c> Eddy's tools read.</summary>
public sealed record DeliveryStreamDescription
{
    public required string DeliveryStreamName { get; init; }
    public required string DeliveryStreamARN { get; init; }
    public required string DeliveryStreamStatus { get; init; }
    public required string DeliveryStreamType { get; init; }
    public required string VersionId { get; init; }
    public DateTimeOffset? CreateTimestamp { get; init; }
}

public sealed record DeleteDeliveryStreamRequest
{
    public required string DeliveryStreamName { get; init; }
    public bool? AllowForceDelete { get; init; }
}

public sealed record DeleteDeliveryStreamResponse;

public sealed record PutRecordBatchRequest
{
    public required string DeliveryStreamName { get; init; }
    public required IReadOnlyList<FirehoseRecord> Records { get; init; }
}

public sealed record FirehoseRecord(byte[] Data);

public sealed record PutRecordBatchResponse
{
    public required int FailedPutCount { get; init; }
    public bool? Encrypted { get; init; }
    public required IReadOnlyList<PutRecordBatchResponseEntry> RequestResponses { get; init; }
}

public sealed record PutRecordBatchResponseEntry
{
    public string? RecordId { get; init; }
    public string? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }
}

/// <summary>One delivery stream's counters as <c>/_eddy/firehose/metrics</c> gives them (Eddy's, not an AWS shape).</summary>
public sealed record DeliveryStreamMetrics
{
    public required string DeliveryStreamName { get; init; }
    public long IncomingRecords { get; init; }
    public long IncomingBytes { get; init; }
    public long IncomingPutRequests { get; init; }
    public long DeliveryRecords { get; init; }
    public long DeliveryBytes { get; init; }
    public long DeliveryObjects { get; init; }
    public long DeliveryAttempts { get; init; }
    public long DeliveryPuts { get; init; }
    public double DataFreshnessSeconds { get; init; }
    public long ProcessingFailedRecords { get; init; }
    public double FreshnessP50Seconds { get; init; }
    public double FreshnessP99Seconds { get; init; }
}
