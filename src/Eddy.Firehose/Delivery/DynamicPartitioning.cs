using System.Text.Json.Nodes;
using Eddy.Core;
using Eddy.Core.Firehose;

namespace Eddy.Firehose.Delivery;

/// <summary>
/// Dynamic partitioning of an ExtendedS3 destination (shared/specs/firehose.md §6.2 rules 6–7, §6.4): the configuration
/// rules checked at CreateDeliveryStream and UpdateDestination, and the delivery of one flush as one object per
/// partition (<see cref="DeliverAsync"/>).
/// </summary>
/// <remarks>
/// <para><b>Partitions.</b> A record's partition is the values of the Prefix's <c>!{partitionKeyFromQuery:KEY}</c> and
/// <c>!{partitionKeyFromLambda:KEY}</c> expressions, taken from <see cref="ProcessedRecord.PartitionKeys"/> (the processing
/// step fills them: MetadataExtraction's jq query, the Lambda response's <c>metadata.partitionKeys</c>). Each distinct
/// partition of a flush becomes one object, its records in buffer order; its key's time parts come from the partition's
/// oldest record and its uuid from the flush's identity and the partition, so a redo after a crash overwrites the same
/// objects (exactly once).</para>
/// <para><b>Failures.</b> A record without a value for one of the Prefix's keys, and the records of partitions past the
/// <see cref="MaxActivePartitions"/>th of a flush (in buffer order), and the records of a partition whose evaluated
/// prefix is longer than <see cref="MaxPrefixLength"/> characters, go to the error output as
/// <see cref="FailedRecord.PartitioningFailed"/>; so do a partition's records when its put still fails after
/// <c>RetryOptions.DurationInSeconds</c> (default 300). Records that are not JSON for the query were already failed by
/// the processing step under the same type.</para>
/// <para><b>Buffering.</b> Buffering hints apply to the whole flush, not to each partition (AWS buffers per partition):
/// a flush is due when the delivery stream's buffer reaches the size or the interval, and then every partition in it is
/// written.</para>
/// <para>Pure functions and a stateless writer step; thread-safe.</para>
/// </remarks>
internal static class DynamicPartitioning
{
    /// <summary>Active partitions one flush may write (AWS's default quota per delivery stream).</summary>
    public const int MaxActivePartitions = 500;

    /// <summary>The longest evaluated prefix (firehose.md §6.2 rule 4).</summary>
    public const int MaxPrefixLength = 512;

    private const string Member = "DynamicPartitioningConfiguration";
    private const int DefaultRetrySeconds = 300;

    /// <summary>Whether <paramref name="configuration"/> (an ExtendedS3 destination) enables dynamic partitioning.</summary>
    public static bool IsEnabled(JsonObject configuration) =>
        configuration[Member] is JsonObject dp && dp["Enabled"] is JsonValue enabled && enabled.TryGetValue<bool>(out var on) && on;

    /// <summary>AWS's default that Describe shows: <c>RetryOptions.DurationInSeconds</c> 300 when dynamic partitioning is
    /// enabled without one.</summary>
    public static void Prepare(JsonObject configuration)
    {
        if (IsEnabled(configuration) && configuration[Member] is JsonObject dp)
        {
            if (dp["RetryOptions"] is not JsonObject retry)
            {
                dp["RetryOptions"] = retry = [];
            }
            retry["DurationInSeconds"] ??= DefaultRetrySeconds;
        }
    }

    /// <summary>The retry window of a partition's put, or null when <paramref name="s3"/> does not enable dynamic partitioning.</summary>
    public static TimeSpan? RetryOf(JsonObject s3) =>
        IsEnabled(s3) ? TimeSpan.FromSeconds((int?)s3[Member]?["RetryOptions"]?["DurationInSeconds"] ?? DefaultRetrySeconds) : null;

    /// <summary>Rules 6–7: partition keys in Prefix only with dynamic partitioning; with it, Prefix uses at least one
    /// partition key and ErrorOutputPrefix is given.</summary>
    public static void Validate(S3Settings s3, IReadOnlyList<PrefixPart> prefix)
    {
        var keyed = prefix.Any(p => p.IsPartitionKey);
        if (!s3.Partitioned)
        {
            if (keyed)
            {
                throw FirehoseException.Invalid("Partition key expressions in Prefix require dynamic partitioning to be enabled.");
            }
            return;
        }
        if (string.IsNullOrEmpty(s3.ErrorOutputPrefix))
        {
            throw FirehoseException.Invalid("ErrorOutputPrefix is required when dynamic partitioning is enabled.");
        }
        if (!keyed)
        {
            throw FirehoseException.Invalid(
                "When dynamic partitioning is enabled, Prefix must contain at least one partition key expression (!{partitionKeyFromQuery:KEY} or !{partitionKeyFromLambda:KEY}).");
        }
    }

    /// <summary>UpdateDestination may neither enable dynamic partitioning (creation only) nor disable it: checks the
    /// configuration <paramref name="after"/> the update (of kind <paramref name="kind"/>) against <paramref name="before"/>.</summary>
    public static void CheckUpdate(Destination before, string kind, JsonObject after)
    {
        var was = before.Kind == "ExtendedS3" && IsEnabled(before.Configuration);
        var isNow = kind == "ExtendedS3" && IsEnabled(after);
        if (was && !isNow)
        {
            throw FirehoseException.Invalid("Dynamic partitioning cannot be disabled once it is enabled.");
        }
        if (!was && isNow)
        {
            throw FirehoseException.Invalid("Dynamic partitioning can only be enabled when the delivery stream is created.");
        }
    }

    /// <summary>Writes <paramref name="flush"/>'s records as one object per partition; the records it could not place or
    /// put come back as failed (<see cref="FailedRecord.PartitioningFailed"/>).</summary>
    public static async Task<WriteResult> DeliverAsync(Flush flush, CancellationToken cancellationToken)
    {
        var s3 = flush.Destination.S3!;
        var parts = ObjectKeys.Parse(s3.Prefix ?? "", "Prefix");
        var partitions = new Dictionary<string, List<ProcessedRecord>>(StringComparer.Ordinal);
        var order = new List<List<ProcessedRecord>>();
        List<FailedRecord> failed = [];
        foreach (var record in flush.Records)
        {
            var (partition, missing) = ObjectKeys.Partition(parts, record.PartitionKeys);
            if (partition is null)
            {
                failed.Add(Failed(record, "DynamicPartitioning.PartitionKeyMissing", $"The record has no value for the partition key {missing} that Prefix uses."));
            }
            else if (partitions.TryGetValue(partition, out var members))
            {
                members.Add(record);
            }
            else if (partitions.Count >= MaxActivePartitions)
            {
                failed.Add(Failed(record, "DynamicPartitioning.ActivePartitionsLimitExceeded",
                    $"The flush has more than {MaxActivePartitions} active partitions; the record's partition is past the limit."));
            }
            else
            {
                partitions[partition] = members = [record];
                order.Add(members);
            }
        }
        long bytes = 0;
        var objects = 0;
        foreach (var members in order)
        {
            var (partition, _) = ObjectKeys.Partition(parts, members[0].PartitionKeys);
            var oldest = DateTimeOffset.FromUnixTimeMilliseconds(members.Min(r => r.ArrivalMs));
            var key = ObjectKeys.ObjectKey(s3.Prefix, flush.DeliveryStreamName, flush.VersionId, oldest, flush.Identity + "/partition/" + partition, s3.Extension,
                members[0].PartitionKeys);
            var suffix = flush.DeliveryStreamName.Length + flush.VersionId.ToString(System.Globalization.CultureInfo.InvariantCulture).Length + 58 + s3.Extension.Length; // "-" version "-" yyyy-MM-dd-HH-mm-ss "-" uuid
            if (key.Length - suffix > MaxPrefixLength)
            {
                failed.AddRange(members.Select(r => Failed(r, "DynamicPartitioning.PrefixTooLong",
                    $"The evaluated prefix is {key.Length - suffix} characters long; at most {MaxPrefixLength} are allowed.")));
                continue;
            }
            var body = Flush.Concatenate(members.Select(m => m.Data));
            var error = await flush.TryPutObjectAsync(s3.Bucket, key, Compression.CompressObject(s3, key, body), s3.PartitioningRetry, cancellationToken).ConfigureAwait(false);
            if (error is null)
            {
                bytes += body.Length;
                objects++;
            }
            else
            {
                failed.AddRange(members.Select(r => Failed(r, error is ServiceException se ? "S3." + se.ErrorType : "InternalError", error.Message)));
            }
        }
        return new WriteResult(bytes, objects, failed);
    }

    private static FailedRecord Failed(ProcessedRecord record, string code, string message) =>
        new(new FirehoseRecord(record.RecordId, record.ArrivalMs, record.Data), code, message, FailedRecord.PartitioningFailed);
}
