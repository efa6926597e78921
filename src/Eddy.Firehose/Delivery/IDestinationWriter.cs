using Eddy.Core.Firehose;

namespace Eddy.Firehose.Delivery;

/// <summary>
/// Delivers one flush of a delivery stream to its destination (one implementation per destination kind: S3, HTTP
/// endpoint, Splunk, OpenSearch/Elasticsearch, Redshift). The <see cref="DeliveryLoop"/> owns everything around the
/// call: reading the buffer, the pending checkpoint, the processing step, the S3 backup of all source records (the
/// <c>AllData</c>-style backup modes), the error-output objects, the checkpoint and the counters. A writer only moves
/// the processed records to the destination and says which records it gave up on.
/// </summary>
/// <remarks>
/// <para><b>Threading.</b> Called by one delivery loop at a time per delivery stream; different delivery streams call
/// concurrently, so a writer shared between them keeps no per-flush state in fields.</para>
/// <para><b>Ownership.</b> The flush's records are valid for the call; the writer copies what it keeps.</para>
/// <para><b>Idempotence.</b> A flush interrupted by a crash is delivered again after the restart with the same
/// <see cref="Flush.Identity"/>: derive everything that names the delivery (object keys, request ids, document ids)
/// from it so that the redo overwrites or can be de-duplicated by the receiver.</para>
/// <para><b>Retries.</b> Every failed attempt goes through <see cref="Flush.Retry(TimeSpan?)"/>'s window, which waits
/// the backoff, counts and logs the failure, and says when the destination's retry duration has run out; the writer
/// then returns the records it could not deliver as <see cref="FailedRecord"/>s of its error output type
/// (<c>http-endpoint-failed</c>, <c>splunk-failed</c>, ...), which the loop writes to the S3 error output.</para>
/// <para><b>Cancellation and failure.</b> Let <see cref="OperationCanceledException"/> (the loop is stopping) and
/// <see cref="FlushAbandonedException"/> (the server is draining and one attempt failed) propagate: the flush is then
/// redone after the restart. Any other exception is a bug: the loop logs it and stops until the next start.</para>
/// </remarks>
internal interface IDestinationWriter
{
    /// <summary>Delivers <see cref="Flush.Records"/>; returns what was delivered and the records given up on.</summary>
    Task<WriteResult> DeliverAsync(Flush flush, CancellationToken cancellationToken);
}

/// <summary>The outcome of one <see cref="IDestinationWriter.DeliverAsync"/>.</summary>
/// <param name="Bytes">Bytes the destination received (before compression), for DeliveryTo*.Bytes.</param>
/// <param name="Objects">Objects (S3), requests (HTTP-like) or loads (COPY) that succeeded.</param>
/// <param name="Failed">Records given up on after the retry window, with their error output type and JSON line.</param>
internal sealed record WriteResult(long Bytes, int Objects, IReadOnlyList<FailedRecord> Failed)
{
    public static WriteResult Nothing { get; } = new(0, 0, []);
}

/// <summary>Thrown by a retry window when the loop drains for shutdown and an attempt failed: the flush stays pending
/// and is redone after the next start.</summary>
internal sealed class FlushAbandonedException() : Exception("The flush was abandoned for shutdown; it is redone after the restart.");
