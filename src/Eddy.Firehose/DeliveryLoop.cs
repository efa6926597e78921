using System.Text.Json;
using Eddy.Catalog;
using Eddy.Core.Firehose;
using Eddy.Firehose.Delivery;
using Microsoft.Extensions.Logging;

namespace Eddy.Firehose;

/// <summary>
/// Delivers one delivery stream's buffer log to its S3 destination: records are read from the log after the
/// destination's checkpoint and flushed as one object when the buffer reaches <c>SizeInMBs</c> or the oldest buffered
/// record is <c>IntervalInSeconds</c> old, whichever comes first.
/// </summary>
/// <remarks>
/// <para><b>Exactly once.</b> A flush is one range of log offsets [from, end). Before its object is written the range
/// and the object's key go into the checkpoint (the pending flush); after the object is durable the checkpoint moves
/// to <c>end</c>. A crash in between redoes the same range under the same key after the restart (an overwrite), so no
/// acknowledged record is lost and none is delivered twice.</para>
/// <para><b>Catching up.</b> When a flush was due to size and more records are already waiting, the next flush may
/// take up to twice as much (at most <see cref="MaxBoost"/> times the hint, never past 128 MiB), as AWS raises the
/// buffer size when delivery falls behind; a flush due to the interval returns to the hint.</para>
/// <para><b>Failure.</b> A failed put (bucket missing, I/O) is retried with exponential backoff (the options' initial
/// and maximum delay) until it succeeds or the loop stops; the buffer keeps the records meanwhile.</para>
/// <para><b>Threading.</b> One task per delivery stream; <see cref="StopAsync"/> may be called from any thread once.</para>
/// </remarks>
internal sealed partial class DeliveryLoop : IAsyncDisposable
{
    private readonly DeliveryStream _stream;
    private readonly DeliveryServices _services;
    private readonly IFirehoseCatalog _catalog;
    private readonly IFirehoseProcessor? _processor;
    private readonly FirehoseOptions _options;
    private readonly DeliveryCheckpoint? _checkpoint;
    private readonly string? _sourceStreamArn;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _drain = new();
    private Task _run = Task.CompletedTask;
    private int _boost = 1;

    /// <summary>How many times the size hint a flush may take while catching up.</summary>
    public const int MaxBoost = 16;

    public DeliveryLoop(DeliveryStream stream, DeliveryServices services, IFirehoseCatalog catalog, IFirehoseProcessor? processor, DeliveryCheckpoint? checkpoint)
    {
        _stream = stream;
        _services = services;
        _catalog = catalog;
        _processor = processor;
        _options = services.Options;
        _checkpoint = checkpoint;
        _sourceStreamArn = stream.Record.SourceJson is { } source ? (string?)System.Text.Json.Nodes.JsonNode.Parse(source)?["KinesisStreamARN"] : null;
    }

    private TimeProvider Time => _options.Time;

    public void Start() => _run = Task.Run(RunAsync);

    /// <summary>Stops the loop: with <paramref name="flush"/>, what is buffered is flushed first (one attempt per
    /// flush; what cannot be delivered now stays in the buffer for the next start).</summary>
    public async Task StopAsync(bool flush)
    {
        if (flush)
        {
            await _drain.CancelAsync().ConfigureAwait(false);
        }
        else
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }
        await _run.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(flush: false).ConfigureAwait(false);
        _stop.Dispose();
        _drain.Dispose();
    }

    private bool Draining => _drain.IsCancellationRequested;

    private async Task RunAsync()
    {
        try
        {
            var delivered = Math.Max(_checkpoint?.DeliveredOffset ?? 0, 0);
            if (_checkpoint is { PendingEndOffset: { } pendingEnd, PendingKey: { } pendingKey })
            {
                var records = await ReadRangeAsync(delivered, pendingEnd).ConfigureAwait(false);
                if (!await FlushAsync(delivered, pendingEnd, records, pendingKey).ConfigureAwait(false))
                {
                    return;
                }
                delivered = pendingEnd;
            }
            await LoopAsync(delivered).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested || Draining)
        {
        }
        catch (ObjectDisposedException)
        {
            // the buffer log was deleted with its delivery stream
        }
        catch (Exception e)
        {
            LogLoopFailed(_options.Logger, _stream.Record.Name, e);
        }
    }

    private async Task LoopAsync(long delivered)
    {
        var log = _stream.Log;
        var pending = new List<Buffered>();
        long pendingBytes = 0;
        var next = delivered;
        while (!_stop.IsCancellationRequested)
        {
            var destination = _stream.Destination;
            var buffering = destination.Buffering;
            var size = Math.Min(buffering.SizeBytes * _boost, 128L * 1024 * 1024);
            if (DestinationWriters.For(destination) is null || destination.S3 is null)
            {
                // A destination Eddy does not deliver to yet: the records stay in the buffer.
                await Task.Delay(Timeout.Infinite, _stop.Token).WaitAsync(_drain.Token).ConfigureAwait(false);
                return;
            }
            if (log.EndOffset > next && pendingBytes < size)
            {
                using var read = await log.ReadAsync(next, 10_000, size - pendingBytes).ConfigureAwait(false);
                foreach (var r in read.Records)
                {
                    pending.Add(Read(r.Offset, r.TimestampMs, r.Payload));
                    pendingBytes += r.Payload.Length;
                }
                next = read.NextOffset;
                _stream.Counters.OldestUndelivered(pending.Count > 0 ? pending[0].ArrivalMs : 0);
                continue;
            }
            if (pending.Count > 0)
            {
                var deadline = DateTimeOffset.FromUnixTimeMilliseconds(pending[0].ArrivalMs) + buffering.Interval;
                if (pendingBytes >= size || Draining || Time.GetUtcNow() >= deadline)
                {
                    _boost = pendingBytes >= size && log.EndOffset > next ? Math.Min(_boost * 2, MaxBoost) : 1;
                    if (!await FlushAsync(pending[0].Offset, next, pending, null).ConfigureAwait(false))
                    {
                        return;
                    }
                    pending = [];
                    pendingBytes = 0;
                    _stream.Counters.OldestUndelivered(0);
                    continue;
                }
            }
            else if (Draining)
            {
                return;
            }
            await WaitAsync(next, pending.Count > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(pending[0].ArrivalMs) + buffering.Interval : null,
                waitForData: pendingBytes < size).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for a record at <paramref name="next"/>, the flush deadline, a drain or a stop, whichever first.</summary>
    private async Task WaitAsync(long next, DateTimeOffset? deadline, bool waitForData)
    {
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, _drain.Token);
        var waits = new List<Task> { Task.Delay(Timeout.InfiniteTimeSpan, wake.Token) };
        if (waitForData)
        {
            waits.Add(_stream.Log.WaitForDataAsync(next, wake.Token));
        }
        if (deadline is { } at)
        {
            var delay = at - Time.GetUtcNow();
            waits.Add(delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, Time, wake.Token));
        }
        var first = await Task.WhenAny(waits).ConfigureAwait(false);
        await wake.CancelAsync().ConfigureAwait(false);
        if (first.IsFaulted)
        {
            await first.ConfigureAwait(false); // the log was deleted: ObjectDisposedException ends the loop
        }
        _stop.Token.ThrowIfCancellationRequested();
    }

    private async Task<List<Buffered>> ReadRangeAsync(long from, long end)
    {
        var records = new List<Buffered>();
        var next = from;
        while (next < end)
        {
            using var read = await _stream.Log.ReadAsync(next, (int)Math.Min(10_000, end - next), long.MaxValue).ConfigureAwait(false);
            if (read.Records.Count == 0)
            {
                break;
            }
            foreach (var r in read.Records.Where(r => r.Offset < end))
            {
                records.Add(Read(r.Offset, r.TimestampMs, r.Payload));
            }
            next = read.NextOffset;
        }
        return records;
    }

    /// <summary>Delivers [from, end): the pending flush recorded, the processing step, the backup of all source records
    /// (when configured), the destination's writer, the error output, the checkpoint moved. False when the loop stopped
    /// (or, draining, an attempt failed) before it was done: the flush is redone after the restart.</summary>
    private async Task<bool> FlushAsync(long from, long end, List<Buffered> records, string? identity)
    {
        if (records.Count == 0)
        {
            return true;
        }
        var destination = _stream.Destination;
        var writer = DestinationWriters.For(destination)!;
        var s3 = destination.S3!;
        var record = _stream.Record;
        var oldest = DateTimeOffset.FromUnixTimeMilliseconds(records[0].ArrivalMs);
        // A new flush gets a random identity (AWS's uuid is random): the key of its object under the destination's S3
        // settings. A redo reuses the identity its checkpoint recorded, and everything named after the flush (objects,
        // request ids, document ids) is derived from it.
        identity ??= ObjectKeys.ObjectKey(s3.Prefix, record.Name, record.VersionId, oldest, $"{record.Id}:{from}:{end}:{Guid.NewGuid():N}", s3.Extension);
        await _catalog.SaveDeliveryCheckpointAsync(new DeliveryCheckpoint(record.Id, record.DestinationId, from, end, identity, Now), CancellationToken.None).ConfigureAwait(false);

        try
        {
            var (processed, failed) = await ProcessAsync(destination, records).ConfigureAwait(false);
            var flush = new Flush(_services, _stream.Counters, () => Draining, record.Name, _stream.Arn, record.VersionId, destination, identity, oldest, processed);
            if (destination.Backup is { } backup)
            {
                var backupKey = ObjectKeys.ObjectKey(backup.Prefix, record.Name, record.VersionId, oldest, identity + "/backup", backup.Extension);
                var source = Flush.Concatenate(records.Select(r => (ReadOnlyMemory<byte>)r.Data));
                await flush.PutObjectAsync(backup.Bucket, backupKey, Compression.CompressObject(backup, backupKey, source), _stop.Token).ConfigureAwait(false);
            }
            var written = processed.Count > 0 ? await writer.DeliverAsync(flush, _stop.Token).ConfigureAwait(false) : WriteResult.Nothing;
            // One error object per error output type (processing-failed, http-endpoint-failed, ...), named after the flush.
            foreach (var group in failed.Concat(written.Failed).GroupBy(f => f.ErrorOutputType, StringComparer.Ordinal))
            {
                var errorKey = ObjectKeys.ErrorKey(s3.Prefix, s3.ErrorOutputPrefix, group.Key, record.Name, record.VersionId, oldest, identity);
                await flush.PutObjectAsync(s3.Bucket, errorKey, ErrorRecords([.. group]), _stop.Token).ConfigureAwait(false);
            }
            await _catalog.SaveDeliveryCheckpointAsync(new DeliveryCheckpoint(record.Id, record.DestinationId, end, null, null, Now), CancellationToken.None).ConfigureAwait(false);
            _stream.Counters.Delivered(processed.Count - written.Failed.Count, written.Bytes, written.Objects, failed.Count + written.Failed.Count, Now - records[0].ArrivalMs);
        }
        catch (FlushAbandonedException)
        {
            return false;
        }
        await _stream.Log.TrimAsync(records[^1].ArrivalMs).ConfigureAwait(false);
        return true;
    }

    private long Now => Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The processing step: identity without a processor, or with processing off for a DirectPut delivery stream.
    /// A stream source's records always go through a registered processor (with <c>{"Enabled":false}</c> when processing
    /// is off), which de-aggregates KPL aggregates before anything else, as Firehose does for its Kinesis source.</summary>
    private async Task<(IReadOnlyList<ProcessedRecord> Delivered, IReadOnlyList<FailedRecord> Failed)> ProcessAsync(Destination destination, List<Buffered> records)
    {
        var processing = destination.Processing?.ToJsonString() ?? (_sourceStreamArn is null ? null : """{"Enabled":false}""");
        if (_processor is null || processing is null)
        {
            return ([.. records.Select(r => new ProcessedRecord(RecordId(r.Offset), r.ArrivalMs, r.Data))], []);
        }
        var record = _stream.Record;
        var context = new ProcessingContext(record.Name, _stream.Arn, processing, _sourceStreamArn);
        var result = await _processor.ProcessAsync(context, [.. records.Select(r => new FirehoseRecord(RecordId(r.Offset), r.ArrivalMs, r.Data, r.Kinesis))], _stop.Token).ConfigureAwait(false);
        return (result.Delivered, result.Failed);
    }

    private string RecordId(long offset) => FirehoseEngine.RecordId(_stream.Record.Id, offset);

    /// <summary>processing-failed records, one JSON object per line (shared/specs/firehose.md §6.3).</summary>
    private byte[] ErrorRecords(IReadOnlyList<FailedRecord> failed)
    {
        using var output = new MemoryStream();
        foreach (var f in failed)
        {
            if (f.Document is { } document)
            {
                output.Write(document.Span);
                output.Write("\n"u8);
                continue;
            }
            using (var w = new Utf8JsonWriter(output))
            {
                w.WriteStartObject();
                w.WriteNumber("attemptsMade", 1);
                w.WriteNumber("arrivalTimestamp", f.Record.ArrivalMs);
                w.WriteString("errorCode", f.ErrorCode);
                w.WriteString("errorMessage", f.ErrorMessage);
                w.WriteNumber("attemptEndingTimestamp", Now);
                w.WriteBase64String("rawData", f.Record.Data.Span);
                w.WriteEndObject();
            }
            output.Write("\n"u8);
        }
        return output.ToArray();
    }

    /// <summary>A buffered record copied out of the log; a stream source's payload is its <see cref="SourceEnvelope"/>.</summary>
    private Buffered Read(long offset, long timestampMs, ReadOnlyMemory<byte> payload)
    {
        if (_sourceStreamArn is null)
        {
            return new Buffered(offset, timestampMs, payload.ToArray(), null);
        }
        var (kinesis, data) = SourceEnvelope.Decode(payload);
        return new Buffered(offset, timestampMs, data.ToArray(), kinesis);
    }

    private sealed record Buffered(long Offset, long ArrivalMs, byte[] Data, KinesisRecordMetadata? Kinesis);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery stream {Name}: the delivery loop failed and stopped; a restart resumes it")]
    private static partial void LogLoopFailed(ILogger logger, string name, Exception exception);
}
