namespace Eddy.Core.Firehose;

/// <summary>
/// Per-delivery-stream counters (AWS/Firehose's metric names), read by whatever publishes metrics. Thread-safe; a
/// snapshot is a consistent-enough copy taken without stopping delivery. Counters start at 0 when the process starts
/// (they are not persisted).
/// </summary>
public interface IFirehoseMetrics
{
    /// <summary>The counters of every delivery stream, by name.</summary>
    IReadOnlyList<DeliveryStreamMetrics> Snapshot();
}

/// <summary>
/// One delivery stream's counters. <see cref="DeliveryPuts"/> / <see cref="DeliveryAttempts"/> is
/// <c>DeliveryToS3.Success</c>; <see cref="DataFreshnessSeconds"/> is the age of the oldest record not yet delivered
/// (0 when none waits); <see cref="FreshnessP50Seconds"/> / <see cref="FreshnessP99Seconds"/> are percentiles, over the
/// last flushes (up to 4096), of the oldest record's age when its object became durable.
/// </summary>
public sealed record DeliveryStreamMetrics(
    string DeliveryStreamName,
    long IncomingRecords,
    long IncomingBytes,
    long IncomingPutRequests,
    long DeliveryRecords,
    long DeliveryBytes,
    long DeliveryObjects,
    long DeliveryAttempts,
    long DeliveryPuts,
    double DataFreshnessSeconds,
    long ProcessingFailedRecords,
    double FreshnessP50Seconds,
    double FreshnessP99Seconds);
