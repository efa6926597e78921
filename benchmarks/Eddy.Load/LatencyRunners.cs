using System.Collections.Concurrent;
using System.Text.Json;

namespace Eddy.Load;

/// <summary>The <c>putrecord-latency</c> phase: sequential single PutRecord calls.</summary>
public static class PutRecordLatencyRunner
{
    public const int WarmupCalls = 20;

    public static async Task<PhaseResult> RunAsync(KinesisClient client, LoadOptions o, string stream, CancellationToken ct)
    {
        var result = new PhaseResult("putRecordLatency", "PutRecord latency");
        byte[] filler = RecordFormat.CreateFiller(o.RecordSize);
        RecordBodyTemplate body = RecordBodyTemplate.ForPutRecord(stream, filler);
        var response = new ResponseBuffer(4096);
        var parser = new ResponseParser();
        var random = new Random();
        uint writerId = (uint)random.Next(1, int.MaxValue);
        var samples = new SampleList();
        long errors = 0;
        long start = 0;
        for (int i = -Math.Min(WarmupCalls, o.Count); i < o.Count && !ct.IsCancellationRequested; i++)
        {
            if (i == 0)
            {
                start = Clock.Now;
            }

            long send = Clock.Now;
            body.Patch(0, writerId, (ulong)(i + WarmupCalls), send, random.Next(o.Keys));
            try
            {
                await client.SendRawAsync(Ops.PutRecord, body.Body, response, ct);
                long ack = Clock.Now;
                parser.ParsePutRecord(response.Span);
                if (i >= 0)
                {
                    samples.Add(ack - send);
                }
            }
            catch (Exception e) when (e is EddyServiceException or HttpRequestException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                errors++;
                result.AddErrorSample(PutRunner.Describe(e));
            }
        }

        double seconds = Clock.ToSeconds(Clock.Now - start);
        var latency = new LatencySummary(samples.Items);
        result
            .Add("calls", "calls (after 20 warm-up)", latency.Count + errors)
            .Add("callErrors", "failed calls", errors)
            .Add("callsPerSecond", "call rate (sequential)", latency.Count / seconds, "calls/s")
            .Add("latencyP50Ms", "PutRecord latency p50", latency.P50, "ms")
            .Add("latencyP99Ms", "PutRecord latency p99", latency.P99, "ms")
            .Add("latencyP999Ms", "PutRecord latency p99.9", latency.P999, "ms")
            .Add("latencyMaxMs", "PutRecord latency max", latency.MaxMs, "ms");
        result.Problems = errors;
        return result;
    }
}

/// <summary>
/// The <c>e2e-latency</c> phase: a LATEST reader per open shard polls GetRecords in a tight loop while one writer puts
/// single records at <c>--rate</c>, each carrying its send timestamp; latency = when a reader saw it − when it was sent.
/// </summary>
public static class EndToEndLatencyRunner
{
    public const int MaxInFlight = 64;

    public static async Task<PhaseResult> RunAsync(KinesisClient client, LoadOptions o, string stream, CancellationToken ct)
    {
        var result = new PhaseResult("e2eLatency", "put→visible latency");
        int count = o.Count;
        uint writerId = (uint)Random.Shared.Next(1, int.MaxValue);
        var state = new LatencyTracker(writerId, count);
        List<string> shards = await StreamAdmin.ListShardIdsAsync(client, stream, openOnly: true, ct);

        using var readersCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var readers = new List<Reader>();
        foreach (string shard in shards)
        {
            string iterator = await StreamAdmin.GetShardIteratorAsync(client, stream, shard, "LATEST", null, ct);
            readers.Add(new Reader(client, shard, iterator, state, o.PollDelayMs, result));
        }

        Task[] readerTasks = [.. readers.Select(r => Task.Run(() => r.RunAsync(readersCts.Token), CancellationToken.None))];

        (long errors, double sendSeconds) = await RatedPutRecordWriter.RunAsync(client, o, stream, state, result, ct);

        // Drain: wait until every acknowledged record was seen, at most 10 s (or --read-timeout if shorter).
        long drainDeadline = Clock.Now + Clock.FromSeconds(Math.Min(10, o.ReadTimeoutSeconds));
        while (state.Seen < state.AckedCount && Clock.Now < drainDeadline && readerTasks.Any(t => !t.IsCompleted))
        {
            await Task.Delay(10, ct);
        }

        await readersCts.CancelAsync();
        await Task.WhenAll(readerTasks);

        (LatencySummary e2e, LatencySummary put, long lost) = state.Summaries();
        long polls = readers.Sum(r => r.Polls);
        long readErrors = readers.Sum(r => r.Errors);
        result
            .Add("shards", "readers (open shards)", (long)readers.Count)
            .Add("targetRate", "target rate", o.Rate, "records/s")
            .Add("achievedRate", "achieved rate", state.AckedCount / sendSeconds, "records/s")
            .Add("recordsAcked", "records acknowledged", state.AckedCount)
            .Add("recordsSeen", "records seen by readers", state.Seen)
            .Add("lost", "acknowledged but never seen", lost)
            .Add("duplicates", "seen twice", state.Duplicates)
            .Add("putErrors", "failed PutRecord calls", errors)
            .Add("readErrors", "failed GetRecords calls", readErrors)
            .Add("polls", "GetRecords polls", polls)
            .Add("pollsPerSecond", "poll rate (all readers)", polls / Math.Max(sendSeconds, 0.001), "calls/s")
            .Add("e2eP50Ms", "put→visible p50", e2e.P50, "ms")
            .Add("e2eP99Ms", "put→visible p99", e2e.P99, "ms")
            .Add("e2eMaxMs", "put→visible max", e2e.MaxMs, "ms")
            .Add("putP50Ms", "PutRecord latency p50 (same run)", put.P50, "ms");
        result.Problems = lost + state.Duplicates + errors + readErrors;
        return result;
    }

    private sealed class Reader(KinesisClient client, string shardId, string iterator, LatencyTracker state, int pollDelayMs, PhaseResult result)
        : IGetRecordsSink
    {
        private readonly ResponseBuffer _response = new(256 * 1024);
        private readonly ResponseParser _parser = new();
        private long _receivedAt;

        public long Polls { get; private set; }

        public long Errors { get; private set; }

        public async Task RunAsync(CancellationToken ct)
        {
            string? current = iterator;
            try
            {
                while (!ct.IsCancellationRequested && current is not null)
                {
                    try
                    {
                        Polls++;
                        await client.SendRawAsync(Ops.GetRecords, StreamAdmin.GetRecordsBody(current, ReadbackRunner.Limit), _response, ct);
                        _receivedAt = Clock.Now;
                        GetRecordsSummary summary = _parser.ParseGetRecords(_response.Span, this);
                        current = summary.NextShardIterator;
                        if (summary.RecordCount == 0 && pollDelayMs > 0)
                        {
                            await Task.Delay(pollDelayMs, ct);
                        }
                    }
                    catch (EddyServiceException e) when (e.ErrorType is "ProvisionedThroughputExceededException" or "LimitExceededException")
                    {
                        result.AddErrorSample($"{shardId}: GetRecords throttled ({e.ErrorType}), backing off 100 ms");
                        await Task.Delay(100, ct);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            catch (Exception e) when (e is EddyServiceException or HttpRequestException or JsonException or TaskCanceledException)
            {
                Errors++;
                result.AddErrorSample($"{shardId}: GetRecords: {PutRunner.Describe(e)}");
            }
        }

        public void OnRecord(ReadOnlySpan<byte> sequenceNumber, ReadOnlySpan<byte> dataBase64, ReadOnlySpan<byte> partitionKey)
        {
            if (RecordFormat.TryReadHeaderBase64(dataBase64, out uint writerId, out ulong counter, out long sent) && writerId == state.WriterId)
            {
                state.Saw(counter, _receivedAt - sent);
            }
        }
    }
}

/// <summary>
/// The records of one latency writer, by counter (0..count-1): PutRecord latency when acknowledged, put→seen latency
/// when first seen, duplicates. Thread-safe for one writer and any number of readers.
/// </summary>
public sealed class LatencyTracker(uint writerId, int count)
{
    private readonly long[] _e2e = CreateFilled(count);
    private readonly long[] _put = CreateFilled(count);
    private long _seen;
    private long _acked;
    private long _duplicates;

    public uint WriterId { get; } = writerId;

    public long Seen => Interlocked.Read(ref _seen);

    public long AckedCount => Interlocked.Read(ref _acked);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public void Acked(int counter, long putTicks)
    {
        _put[counter] = putTicks;
        Interlocked.Increment(ref _acked);
    }

    public void Saw(ulong counter, long latencyTicks)
    {
        if (counter >= (ulong)_e2e.Length)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _e2e[counter], latencyTicks, -1) == -1)
        {
            Interlocked.Increment(ref _seen);
        }
        else
        {
            Interlocked.Increment(ref _duplicates);
        }
    }

    public (LatencySummary E2e, LatencySummary Put, long Lost) Summaries()
    {
        long lost = 0;
        for (int i = 0; i < _put.Length; i++)
        {
            if (_put[i] >= 0 && _e2e[i] < 0)
            {
                lost++;
            }
        }

        return (new LatencySummary(_e2e.Where(t => t >= 0)), new LatencySummary(_put.Where(t => t >= 0)), lost);
    }

    private static long[] CreateFilled(int n)
    {
        var a = new long[n];
        Array.Fill(a, -1);
        return a;
    }
}

/// <summary>
/// The latency writer shared by <c>e2e-latency</c> and <c>subscribe-latency</c>: <c>--count</c> single PutRecord calls
/// scheduled at <c>--rate</c> (not waiting for the previous answer, at most <see cref="EndToEndLatencyRunner.MaxInFlight"/>
/// in flight), each record's Data carrying its writer id, counter and send timestamp.
/// </summary>
public static class RatedPutRecordWriter
{
    public static async Task<(long Errors, double SendSeconds)> RunAsync(
        KinesisClient client, LoadOptions o, string stream, LatencyTracker state, PhaseResult result, CancellationToken ct)
    {
        int count = o.Count;
        uint writerId = state.WriterId;
        byte[] filler = RecordFormat.CreateFiller(o.RecordSize);
        var bodies = new ConcurrentBag<RecordBodyTemplate>();
        var buffers = new ConcurrentBag<(ResponseBuffer, ResponseParser)>();
        using var inFlight = new SemaphoreSlim(EndToEndLatencyRunner.MaxInFlight);
        var putTasks = new List<Task>(count);
        var random = new Random();
        long errors = 0;
        long start = Clock.Now;
        double interval = 1.0 / o.Rate;
        for (int i = 0; i < count && !ct.IsCancellationRequested; i++)
        {
            long due = start + Clock.FromSeconds(i * interval);
            long wait = due - Clock.Now;
            if (wait > 0)
            {
                // Timer granularity is ~1 ms; due times are absolute, so lateness does not accumulate.
                await Task.Delay(TimeSpan.FromSeconds(Clock.ToSeconds(wait)), ct);
            }

            await inFlight.WaitAsync(ct);
            int counter = i;
            int key = random.Next(o.Keys);
            putTasks.Add(Task.Run(async () =>
            {
                if (!bodies.TryTake(out RecordBodyTemplate? body))
                {
                    body = RecordBodyTemplate.ForPutRecord(stream, filler);
                }

                if (!buffers.TryTake(out (ResponseBuffer Response, ResponseParser Parser) io))
                {
                    io = (new ResponseBuffer(4096), new ResponseParser());
                }

                try
                {
                    long send = Clock.Now;
                    body.Patch(0, writerId, (ulong)counter, send, key);
                    await client.SendRawAsync(Ops.PutRecord, body.Body, io.Response, ct);
                    long ack = Clock.Now;
                    io.Parser.ParsePutRecord(io.Response.Span);
                    state.Acked(counter, ack - send);
                }
                catch (Exception e) when (e is EddyServiceException or HttpRequestException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref errors);
                    result.AddErrorSample(PutRunner.Describe(e));
                }
                finally
                {
                    bodies.Add(body);
                    buffers.Add(io);
                    inFlight.Release();
                }
            }, CancellationToken.None));
        }

        await Task.WhenAll(putTasks);
        double sendSeconds = Clock.ToSeconds(Clock.Now - start);

        return (errors, sendSeconds);
    }
}
