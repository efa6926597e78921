using System.Text;
using System.Text.Json;

namespace Eddy.Load;

/// <summary>
/// The <c>put</c> phase: <c>--concurrency</c> writers, each with one PutRecords call in flight, each reusing one
/// pre-encoded body whose record headers (id, timestamp) and partition keys are patched in place before each call.
/// </summary>
public static class PutRunner
{
    public static async Task<(PhaseResult Result, PutManifest Manifest)> RunAsync(
        KinesisClient client, LoadOptions o, string stream, CancellationToken ct)
    {
        byte[] filler = RecordFormat.CreateFiller(o.RecordSize);
        uint writerBase = (uint)Random.Shared.Next(1, 1 << 20) << 12;
        var result = new PhaseResult("put", "put (PutRecords)");
        var writers = new Writer[o.Concurrency];
        for (int w = 0; w < writers.Length; w++)
        {
            writers[w] = new Writer(client, o, stream, filler, writerBase + (uint)w, result);
        }

        long remaining = o.Records > 0 ? o.Records : long.MaxValue;
        long start = Clock.Now;
        long deadline = o.Records > 0 ? long.MaxValue : start + Clock.FromSeconds(o.DurationSeconds);
        using var progressCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task progress = ProgressAsync(writers, start, progressCts.Token);
        await Task.WhenAll(writers.Select(w => Task.Run(() => w.RunAsync(() => Claim(ref remaining, o.Batch), deadline, ct), ct)));
        long elapsed = Clock.Now - start;
        await progressCts.CancelAsync();
        await progress;

        double seconds = Clock.ToSeconds(elapsed);
        long sent = writers.Sum(w => w.Sent);
        long acked = writers.Sum(w => w.Acked);
        long failed = writers.Sum(w => w.Failed);
        long unconfirmed = writers.Sum(w => w.Unconfirmed);
        long calls = writers.Sum(w => w.Calls);
        long callErrors = writers.Sum(w => w.CallErrors);
        var latency = new LatencySummary(writers.SelectMany(w => w.Latencies.Items));
        result
            .Add("shards", "shards", (long)o.Shards)
            .Add("recordSize", "record size", (long)o.RecordSize, "B")
            .Add("batch", "records per call", (long)o.Batch)
            .Add("concurrency", "calls in flight", (long)o.Concurrency)
            .Add("elapsedSeconds", "elapsed", seconds, "s")
            .Add("recordsSent", "records sent", sent)
            .Add("recordsAcked", "records acknowledged", acked)
            .Add("recordsFailed", "records failed (per-record error)", failed)
            .Add("recordsUnconfirmed", "records in failed calls", unconfirmed)
            .Add("calls", "PutRecords calls", calls)
            .Add("callErrors", "failed calls", callErrors)
            .Add("recordsPerSecond", "throughput (acked records)", acked / seconds, "records/s")
            .Add("mibPerSecond", "throughput (acked Data)", acked * (double)o.RecordSize / seconds / (1024 * 1024), "MiB/s")
            .Add("callsPerSecond", "call rate", calls / seconds, "calls/s")
            .Add("latencyP50Ms", "PutRecords latency p50", latency.P50, "ms")
            .Add("latencyP99Ms", "PutRecords latency p99", latency.P99, "ms")
            .Add("latencyMaxMs", "PutRecords latency max", latency.MaxMs, "ms");
        result.Problems = failed + callErrors;

        var manifest = new PutManifest
        {
            StreamName = stream,
            RecordSize = o.RecordSize,
            Writers = [.. writers.Select(w => w.Log)],
        };
        return (result, manifest);
    }

    private static int Claim(ref long remaining, int batch)
    {
        long after = Interlocked.Add(ref remaining, -batch);
        long n = after >= 0 ? batch : batch + after;
        return n > 0 ? (int)n : 0;
    }

    private static async Task ProgressAsync(Writer[] writers, long start, CancellationToken ct)
    {
        long last = 0;
        long lastTime = start;
        try
        {
            while (true)
            {
                await Task.Delay(1000, ct);
                long now = Clock.Now;
                long acked = writers.Sum(w => Volatile.Read(ref w.AckedShared));
                Report.Progress($"put: {acked:#,0} records acknowledged, {(acked - last) / Clock.ToSeconds(now - lastTime):#,0} records/s");
                last = acked;
                lastTime = now;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed class Writer(KinesisClient client, LoadOptions o, string stream, byte[] filler, uint writerId, PhaseResult result)
        : IPutRecordsSink
    {
        private readonly ResponseBuffer _response = new(128 * 1024);
        private readonly ResponseParser _parser = new();
        private readonly Random _random = new((int)writerId);
        private long _first;
        private int _failedInCall;
        private int _badEntries;

        public long AckedShared;

        public WriterLog Log { get; } = new(writerId);

        public SampleList Latencies { get; } = new();

        public long Sent { get; private set; }

        public long Acked { get; private set; }

        public long Failed { get; private set; }

        public long Unconfirmed { get; private set; }

        public long Calls { get; private set; }

        public long CallErrors { get; private set; }

        public async Task RunAsync(Func<int> claim, long deadline, CancellationToken ct)
        {
            RecordBodyTemplate body = RecordBodyTemplate.ForPutRecords(stream, o.Batch, filler);
            while (!ct.IsCancellationRequested && Clock.Now < deadline)
            {
                int n = claim();
                if (n == 0)
                {
                    break;
                }

                RecordBodyTemplate call = n == body.Count ? body : RecordBodyTemplate.ForPutRecords(stream, n, filler);
                long first = Log.Reserve(n, out int callIndex);
                long send = Clock.Now;
                for (int i = 0; i < n; i++)
                {
                    int key = _random.Next(o.Keys);
                    call.Patch(i, writerId, (ulong)(first + i), send, key);
                    ref AckEntry e = ref Log[first + i];
                    e.KeyIndex = key;
                    e.CallIndex = callIndex;
                    e.ShardIndex = -1;
                }

                Sent += n;
                Calls++;
                try
                {
                    await client.SendRawAsync(Ops.PutRecords, call.Body, _response, ct);
                    long ack = Clock.Now;
                    Log.SetCall(callIndex, send, ack);
                    Latencies.Add(ack - send);
                    _first = first;
                    _failedInCall = 0;
                    _badEntries = 0;
                    int entries = _parser.ParsePutRecords(_response.Span, this, out int failedRecordCount);
                    if (entries != n)
                    {
                        throw new JsonException($"PutRecords answer has {entries} entries for {n} records");
                    }

                    if (failedRecordCount != _failedInCall)
                    {
                        result.AddErrorSample($"PutRecords: FailedRecordCount {failedRecordCount} but {_failedInCall} entries carry ErrorCode");
                    }

                    if (_badEntries > 0)
                    {
                        result.AddErrorSample("PutRecords: entry without ErrorCode lacks SequenceNumber or a parsable ShardId");
                        CallErrors++;
                    }
                }
                catch (Exception e) when (e is EddyServiceException or HttpRequestException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    Log.SetCall(callIndex, send, Clock.Now);
                    CallErrors++;
                    result.AddErrorSample(Describe(e));
                    for (int i = 0; i < n; i++)
                    {
                        ref AckEntry entry = ref Log[first + i];
                        if (entry.Status == AckStatus.Pending)
                        {
                            entry.Status = AckStatus.Unconfirmed;
                            Unconfirmed++;
                        }
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    break;
                }

                Volatile.Write(ref AckedShared, Acked);
            }
        }

        public void OnEntry(int index, ReadOnlySpan<byte> sequenceNumber, ReadOnlySpan<byte> shardId, ReadOnlySpan<byte> errorCode)
        {
            if (index >= Log.Count - _first)
            {
                return;
            }

            ref AckEntry e = ref Log[_first + index];
            if (!errorCode.IsEmpty)
            {
                e.Status = AckStatus.Failed;
                Failed++;
                _failedInCall++;
                result.AddErrorSample("PutRecords entry ErrorCode " + Encoding.UTF8.GetString(errorCode));
                return;
            }

            int shard = RecordFormat.ParseShardIndex(shardId);
            if (sequenceNumber.IsEmpty || shard < 0)
            {
                e.Status = AckStatus.Unconfirmed;
                Unconfirmed++;
                _badEntries++;
                return;
            }

            e.Status = AckStatus.Acked;
            e.ShardIndex = shard;
            e.SequenceHash = RecordFormat.HashSequence(sequenceNumber);
            Acked++;
        }
    }

    internal static string Describe(Exception e) => e switch
    {
        EddyServiceException k => $"{k.Operation}: HTTP {(int)k.Status} {k.ErrorType}: {Truncate(k.ErrorMessage)}",
        TaskCanceledException => "request timed out",
        HttpRequestException h => $"HTTP request failed: {Truncate(h.Message)}",
        JsonException j => $"malformed answer: {Truncate(j.Message)}",
        _ => $"{e.GetType().Name}: {Truncate(e.Message)}",
    };

    private static string Truncate(string s) => s.Length <= 200 ? s : s[..200] + "…";
}
