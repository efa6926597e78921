using System.Diagnostics;
using Eddy.Client.Firehose;

namespace Eddy.Load;

/// <summary>
/// The <c>firehose</c> verb: a delivery stream into <c>--bucket</c> (which must exist: <c>aws s3 mb</c>) with
/// <c>--compression</c> and 1 MiB / 0 s buffering hints; <c>--concurrency</c> workers send PutRecordBatch
/// (<c>--batch</c> × <c>--record-size</c> bytes, one body encoded once) for <c>--duration</c>; then it waits until the
/// server's counters (<c>/_eddy/firehose/metrics</c>) show every acknowledged record delivered. Reports durable ingest
/// (MiB/s of record data acknowledged), delivery throughput (record data delivered over the time from the first put to
/// the last delivery), how long delivery trailed ingest, and data freshness p50/p99 (the oldest record's age when its
/// object became durable, per flush).
/// </summary>
public static class FirehoseRunner
{
    public static async Task<PhaseResult> RunAsync(LoadOptions o, CancellationToken ct)
    {
        using var client = new FirehoseClient(o.ClientOptions(o.Concurrency + 4));
        var name = o.Stream ?? $"eddy-load-fh-{Guid.NewGuid():N}"[..24];
        await client.CreateDeliveryStreamAsync(new CreateDeliveryStreamRequest
        {
            DeliveryStreamName = name,
            ExtendedS3DestinationConfiguration = new ExtendedS3DestinationConfiguration
            {
                RoleARN = "arn:aws:iam::000000000000:role/eddy-load",
                BucketARN = "arn:aws:s3:::" + o.Bucket,
                Prefix = name + "/",
                BufferingHints = new BufferingHints(1, 0),
                CompressionFormat = o.Compression,
            },
        }, ct);
        for (var i = 0; i < 600 && (await client.DescribeDeliveryStreamAsync(new DescribeDeliveryStreamRequest { DeliveryStreamName = name }, ct)).DeliveryStreamDescription.DeliveryStreamStatus != "ACTIVE"; i++)
        {
            await Task.Delay(50, ct);
        }
        Report.Progress($"firehose: delivery stream {name} into s3://{o.Bucket}/{name}/ ({o.Compression}, 1 MiB / 0 s)");

        var record = new byte[o.RecordSize];
        Random.Shared.NextBytes(record);
        for (var i = 0; i < record.Length; i++)
        {
            record[i] = (byte)('a' + (record[i] % 26)); // text-like data: what GZIP meets in practice
        }
        var body = FirehoseClient.EncodePutRecordBatch(new PutRecordBatchRequest
        {
            DeliveryStreamName = name,
            Records = [.. Enumerable.Range(0, o.Batch).Select(_ => new FirehoseRecord(record))],
        });
        long acked = 0;
        long failed = 0;
        var phase = new PhaseResult("firehose", $"Firehose PutRecordBatch {o.Batch} x {o.RecordSize} B, {o.Compression}");
        var started = Stopwatch.GetTimestamp();
        var until = started + (long)(o.DurationSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, o.Concurrency).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < until && !ct.IsCancellationRequested)
            {
                try
                {
                    var failedPuts = await client.PutRecordBatchRawAsync(body, ct);
                    Interlocked.Add(ref acked, o.Batch - failedPuts);
                    Interlocked.Add(ref failed, failedPuts);
                }
                catch (Exception e) when (e is EddyServiceException or HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Add(ref failed, o.Batch);
                    phase.AddErrorSample(e.Message);
                }
            }
        }, ct)).ToArray();
        await Task.WhenAll(workers);
        var ingestSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var ackedBytes = acked * o.RecordSize;
        Report.Progress($"firehose: {acked:#,0} records acknowledged in {ingestSeconds:0.0} s; waiting for delivery");

        var metrics = await WaitDeliveredAsync(client, name, acked, TimeSpan.FromSeconds(o.ReadTimeoutSeconds), ct);
        var deliveredSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        phase.Add("ingestMiBps", "PutRecordBatch ingest (durable)", Math.Round(ackedBytes / 1048576.0 / ingestSeconds, 1), "MiB/s")
            .Add("ingestRecordsPerSecond", "records acknowledged", Math.Round(acked / ingestSeconds), "records/s")
            .Add("deliveryMiBps", "delivery (first put to last object)", Math.Round((metrics?.DeliveryBytes ?? 0) / 1048576.0 / deliveredSeconds, 1), "MiB/s")
            .Add("deliveryTrailSeconds", "delivery finished after ingest", Math.Round(deliveredSeconds - ingestSeconds, 2), "s")
            .Add("objects", "objects delivered", metrics?.DeliveryObjects ?? 0)
            .Add("freshnessP50", "data freshness p50", metrics?.FreshnessP50Seconds ?? double.NaN, "s")
            .Add("freshnessP99", "data freshness p99", metrics?.FreshnessP99Seconds ?? double.NaN, "s")
            .Add("failed", "records failed", failed);
        if (metrics is null || metrics.DeliveryRecords != acked)
        {
            phase.Problems++;
            phase.AddErrorSample($"delivered {metrics?.DeliveryRecords ?? 0} of {acked} acknowledged records");
        }
        if (!o.Keep)
        {
            await client.DeleteDeliveryStreamAsync(new DeleteDeliveryStreamRequest { DeliveryStreamName = name }, CancellationToken.None);
        }
        return phase;
    }

    private static async Task<DeliveryStreamMetrics?> WaitDeliveredAsync(FirehoseClient client, string name, long records, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var metrics = (await client.GetMetricsAsync(ct)).FirstOrDefault(m => m.DeliveryStreamName == name);
            if (metrics is not null && metrics.DeliveryRecords >= records || Stopwatch.GetTimestamp() > deadline)
            {
                return metrics;
            }
            await Task.Delay(20, ct);
        }
    }
}
