using Eddy.Core;
using Microsoft.Extensions.Logging;

namespace Eddy.Firehose;

/// <summary>
/// The source of a <c>KinesisStreamAsSource</c> delivery stream: a <see cref="StreamFollower"/> over the Eddy stream
/// (every shard, parents before children) under the consumer name <c>firehose:&lt;id&gt;</c>, starting at the delivery
/// stream's creation time, appending each batch to the delivery stream's buffer log (each record in a
/// <see cref="SourceEnvelope"/> with its shard, partition key, arrival time and sequence number); the follower checkpoints after
/// the append. A crash between the append and the checkpoint appends that batch again (at least once, as AWS states
/// for its Kinesis source).
/// </summary>
/// <remarks>Threading: one follower task; <see cref="StopAsync"/> once. A failed run (stream deleted, I/O) is logged
/// and retried after the options' maximum retry delay.</remarks>
internal sealed partial class KinesisSource(DeliveryStream stream, IShardReaders readers, ICheckpointStore checkpoints, string streamArn, DateTimeOffset start, FirehoseOptions options)
{
    private readonly CancellationTokenSource _stop = new();
    private Task _run = Task.CompletedTask;

    public static string ConsumerName(long deliveryStreamId) => $"firehose:{deliveryStreamId}";

    public void Start() => _run = Task.Run(RunAsync);

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var follower = new StreamFollower(readers, checkpoints, ConsumerName(stream.Record.Id), new StreamRef(null, streamArn),
            ShardPosition.AtTimestamp(start), new StreamFollowerOptions { Time = options.Time });
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await follower.RunAsync(AppendAsync, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                LogSourceFailed(options.Logger, stream.Record.Name, streamArn, e);
                try
                {
                    await Task.Delay(options.RetryMaxDelay, options.Time, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async ValueTask AppendAsync(FollowedBatch batch, CancellationToken cancellationToken)
    {
        if (batch.Batch.Records.Count == 0)
        {
            return;
        }
        // Each record goes into the buffer with its Kinesis metadata (SourceEnvelope), for the processing step's
        // kinesisRecordMetadata and the KPL de-aggregation that needs to know a record came from a stream.
        var payloads = batch.Batch.Records
            .Select(r => (ReadOnlyMemory<byte>)SourceEnvelope.Encode(batch.ShardId, r.SequenceNumber, r.ArrivalMs, r.PartitionKey.Span, r.Data.Span))
            .ToList();
        await stream.Log.AppendAsync(payloads, cancellationToken).ConfigureAwait(false);
        stream.Counters.Incoming(payloads.Count, batch.Batch.Records.Sum(r => (long)r.Data.Length));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery stream {Name}: reading its source {StreamArn} failed; retrying")]
    private static partial void LogSourceFailed(ILogger logger, string name, string streamArn, Exception exception);
}
