namespace Eddy.Firehose.Delivery;

/// <summary>
/// The ExtendedS3 destination: one object per flush, the records' bytes concatenated in buffer order and compressed
/// as configured, under the flush's identity (AWS's key layout, see <see cref="ObjectKeys"/>). The put is retried
/// until it succeeds (S3 has no retry duration), so an S3 flush never gives records up. With dynamic partitioning
/// one object per partition (<see cref="DynamicPartitioning"/>), each put retried within the partitioning retry
/// window, and records that cannot be placed go to the error output.
/// </summary>
internal sealed class S3Writer : IDestinationWriter
{
    public static S3Writer Instance { get; } = new();

    public async Task<WriteResult> DeliverAsync(Flush flush, CancellationToken cancellationToken)
    {
        var s3 = flush.Destination.S3!;
        if (s3.Partitioned)
        {
            return await DynamicPartitioning.DeliverAsync(flush, cancellationToken).ConfigureAwait(false);
        }
        // Record format conversion (ParquetConversion): a Parquet object, and the records that did not convert.
        var converted = await ParquetConversion.ConvertAsync(flush, flush.Records, cancellationToken).ConfigureAwait(false);
        var body = converted is { } c ? c.Body : flush.Concatenated();
        if (body is not null)
        {
            await flush.PutObjectAsync(s3.Bucket, flush.Identity, Compression.CompressObject(s3, flush.Identity, body), cancellationToken).ConfigureAwait(false);
        }
        return new WriteResult(body?.Length ?? 0, body is null ? 0 : 1, converted?.Failed ?? []);
    }
}
