using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace Eddy.Load;

/// <summary>
/// The <c>readback</c> phase: one reader per shard from TRIM_HORIZON (GetShardIterator + GetRecords, Limit 10000),
/// following NextShardIterator until caught up (empty batch with MillisBehindLatest 0) or the shard's end (then its
/// ChildShards). With a manifest every acknowledged record must come back exactly once, in the shard it was
/// acknowledged for, with the acknowledged sequence number, and in order.
/// </summary>
public static class ReadbackRunner
{
    public const int Limit = 10000;

    public static async Task<PhaseResult> RunAsync(KinesisClient client, LoadOptions o, string stream, PutManifest? manifest, CancellationToken ct)
    {
        var result = new PhaseResult("readback", "readback (GetRecords)");
        var shared = new Shared(manifest, manifest?.RecordSize ?? o.RecordSize);
        List<string> shards = await StreamAdmin.ListShardIdsAsync(client, stream, openOnly: false, ct);
        var visited = new ConcurrentDictionary<string, bool>();
        var tasks = new List<Task<ShardReader>>();
        long deadline = Clock.Now + Clock.FromSeconds(o.ReadTimeoutSeconds);
        long start = Clock.Now;

        void Launch(string shardId)
        {
            if (visited.TryAdd(shardId, true))
            {
                var reader = new ShardReader(client, stream, shardId, shared, result);
                lock (tasks)
                {
                    tasks.Add(Task.Run(async () =>
                    {
                        await reader.RunAsync(deadline, Launch, ct);
                        return reader;
                    }, ct));
                }
            }
        }

        foreach (string shard in shards)
        {
            Launch(shard);
        }

        using var progressCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task progress = ProgressAsync(shared, progressCts.Token);
        while (true)
        {
            Task<ShardReader>[] snapshot;
            lock (tasks)
            {
                snapshot = [.. tasks];
            }

            await Task.WhenAll(snapshot);
            lock (tasks)
            {
                if (tasks.Count == snapshot.Length)
                {
                    break;
                }
            }
        }

        List<ShardReader> readers = [.. tasks.Select(t => t.Result)];
        long elapsed = Clock.Now - start;
        await progressCts.CancelAsync();
        await progress;

        double seconds = Clock.ToSeconds(elapsed);
        long records = readers.Sum(r => r.Records);
        long bytes = readers.Sum(r => r.Bytes);
        long calls = readers.Sum(r => r.Calls);
        long seqOrder = readers.Sum(r => r.SequenceOrderViolations);
        long keyOrder = readers.Sum(r => r.KeyOrderViolations);
        long seqMismatch = readers.Sum(r => r.SequenceMismatches);
        long wrongShard = readers.Sum(r => r.WrongShard);
        long corrupt = readers.Sum(r => r.Corrupt);
        long foreign = readers.Sum(r => r.Foreign);
        long notCaughtUp = readers.Count(r => !r.Finished);
        long readErrors = readers.Sum(r => r.Errors);
        var latency = new LatencySummary(readers.SelectMany(r => r.Latencies.Items));
        (long expected, long missing, long unconfirmedSeen, long failedStored) = shared.Tally();
        long duplicates = shared.Duplicates;

        result
            .Add("shardsRead", "shards read", (long)readers.Count)
            .Add("elapsedSeconds", "elapsed", seconds, "s")
            .Add("records", "records read", records)
            .Add("getRecordsCalls", "GetRecords calls", calls)
            .Add("recordsPerSecond", "throughput (records)", records / seconds, "records/s")
            .Add("mibPerSecond", "throughput (Data)", bytes / seconds / (1024 * 1024), "MiB/s")
            .Add("recordsPerCall", "records per GetRecords call", calls == 0 ? 0.0 : records / (double)calls)
            .Add("latencyP50Ms", "GetRecords latency p50", latency.P50, "ms")
            .Add("latencyMaxMs", "GetRecords latency max", latency.MaxMs, "ms")
            .Add("verified", "verified against put acks", manifest is not null);
        if (manifest is not null)
        {
            result
                .Add("expected", "acknowledged records expected", expected)
                .Add("missing", "missing", missing);
        }

        result
            .Add("duplicates", "duplicates", duplicates)
            .Add("outOfOrderSequence", "sequence numbers not increasing", seqOrder)
            .Add("outOfOrderKey", "same-key records out of ack order", keyOrder);
        if (manifest is not null)
        {
            result
                .Add("sequenceMismatch", "sequence number ≠ acknowledged", seqMismatch)
                .Add("wrongShard", "in a shard ≠ acknowledged", wrongShard)
                .Add("failedButStored", "failed records that were stored", failedStored)
                .Add("unconfirmedSeen", "records of failed calls seen (info)", unconfirmedSeen);
        }

        result
            .Add("corrupt", "corrupt records", corrupt)
            .Add("foreign", "records of other runs (info)", foreign)
            .Add("shardsNotCaughtUp", "shards not caught up", notCaughtUp)
            .Add("readErrors", "read errors", readErrors);
        result.Problems = missing + duplicates + seqOrder + keyOrder + seqMismatch + wrongShard + failedStored + corrupt + notCaughtUp + readErrors;
        return result;
    }

    private static async Task ProgressAsync(Shared shared, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await Task.Delay(2000, ct);
                Report.Progress($"readback: {Volatile.Read(ref shared.RecordsRead):#,0} records read");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>State shared by the shard readers: the manifest, which acknowledged records were seen.</summary>
    private sealed class Shared
    {
        private readonly Dictionary<uint, (WriterLog Log, long[] Seen)> _writers = [];
        private readonly ConcurrentDictionary<(uint, ulong), byte>? _seenWithoutManifest;
        private long _duplicates;
        public long RecordsRead;

        public Shared(PutManifest? manifest, int recordSize)
        {
            RecordSize = recordSize;
            Filler = RecordFormat.CreateFiller(recordSize);
            HasManifest = manifest is not null;
            if (manifest is null)
            {
                _seenWithoutManifest = new ConcurrentDictionary<(uint, ulong), byte>();
                return;
            }

            foreach (WriterLog w in manifest.Writers)
            {
                _writers[w.WriterId] = (w, new long[(w.Count + 63) / 64]);
            }
        }

        public bool HasManifest { get; }

        public int RecordSize { get; }

        public byte[] Filler { get; }

        public long Duplicates => Interlocked.Read(ref _duplicates);

        public bool TryGetWriter(uint writerId, [MaybeNullWhen(false)] out WriterLog log)
        {
            bool found = _writers.TryGetValue(writerId, out var entry);
            log = found ? entry.Log : null;
            return found;
        }

        /// <summary>Marks a record seen; false (and counted) when it was seen before.</summary>
        public bool MarkSeen(uint writerId, ulong counter)
        {
            bool first;
            if (_seenWithoutManifest is not null)
            {
                first = _seenWithoutManifest.TryAdd((writerId, counter), 0);
            }
            else
            {
                long[] seen = _writers[writerId].Seen;
                long bit = 1L << (int)(counter & 63);
                first = (Interlocked.Or(ref seen[counter >> 6], bit) & bit) == 0;
            }

            if (!first)
            {
                Interlocked.Increment(ref _duplicates);
            }

            return first;
        }

        public (long Expected, long Missing, long UnconfirmedSeen, long FailedStored) Tally()
        {
            long expected = 0, missing = 0, unconfirmed = 0, failedStored = 0;
            foreach ((WriterLog log, long[] seen) in _writers.Values)
            {
                Span<AckEntry> entries = log.Entries;
                for (int i = 0; i < entries.Length; i++)
                {
                    bool wasSeen = (seen[i >> 6] & (1L << (i & 63))) != 0;
                    switch (entries[i].Status)
                    {
                        case AckStatus.Acked:
                            expected++;
                            if (!wasSeen)
                            {
                                missing++;
                            }

                            break;
                        case AckStatus.Unconfirmed when wasSeen:
                            unconfirmed++;
                            break;
                        case AckStatus.Failed when wasSeen:
                            failedStored++;
                            break;
                    }
                }
            }

            return (expected, missing, unconfirmed, failedStored);
        }
    }

    /// <summary>Reads one shard to its end or tip and checks each record.</summary>
    private sealed class ShardReader(KinesisClient client, string stream, string shardId, Shared shared, PhaseResult result) : IGetRecordsSink
    {
        private readonly ResponseBuffer _response = new(1024 * 1024);
        private readonly ResponseParser _parser = new();
        private readonly int _shardIndex = RecordFormat.ParseShardIndex(shardId);
        private readonly Dictionary<long, ulong> _lastCounterByWriterKey = [];
        private readonly Dictionary<int, long> _maxSendByKey = [];
        private byte[] _data = new byte[64 * 1024];
        private byte[] _previousSequence = new byte[128];
        private int _previousSequenceLength;

        public SampleList Latencies { get; } = new();
        public long Records { get; private set; }
        public long Bytes { get; private set; }
        public long Calls { get; private set; }
        public long Errors { get; private set; }
        public bool Finished { get; private set; }
        public long SequenceOrderViolations { get; private set; }
        public long KeyOrderViolations { get; private set; }
        public long SequenceMismatches { get; private set; }
        public long WrongShard { get; private set; }
        public long Corrupt { get; private set; }
        public long Foreign { get; private set; }

        public async Task RunAsync(long deadline, Action<string> launchChild, CancellationToken ct)
        {
            string? iterator;
            try
            {
                iterator = await StreamAdmin.GetShardIteratorAsync(client, stream, shardId, "TRIM_HORIZON", null, ct);
            }
            catch (Exception e) when (e is EddyServiceException or HttpRequestException or JsonException or InvalidOperationException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                Errors++;
                result.AddErrorSample($"{shardId}: GetShardIterator: {PutRunner.Describe(e)}");
                return;
            }

            int retries = 0;
            while (!ct.IsCancellationRequested)
            {
                if (Clock.Now > deadline)
                {
                    result.AddErrorSample($"{shardId}: not caught up within --read-timeout");
                    return;
                }

                GetRecordsSummary summary;
                try
                {
                    Calls++;
                    long sent = Clock.Now;
                    await client.SendRawAsync(Ops.GetRecords, StreamAdmin.GetRecordsBody(iterator, Limit), _response, ct);
                    Latencies.Add(Clock.Now - sent);
                    summary = _parser.ParseGetRecords(_response.Span, this);
                    retries = 0;
                }
                catch (EddyServiceException e) when (e.ErrorType is "ProvisionedThroughputExceededException" or "LimitExceededException" && retries++ < 100)
                {
                    await Task.Delay(200, ct);
                    continue;
                }
                catch (EddyServiceException e) when (e.ErrorType == "ExpiredIteratorException" && retries++ < 5)
                {
                    string? last = _previousSequenceLength == 0 ? null : Encoding.ASCII.GetString(_previousSequence, 0, _previousSequenceLength);
                    iterator = await StreamAdmin.GetShardIteratorAsync(client, stream, shardId,
                        last is null ? "TRIM_HORIZON" : "AFTER_SEQUENCE_NUMBER", last, ct);
                    continue;
                }
                catch (Exception e) when (e is EddyServiceException or HttpRequestException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    Errors++;
                    result.AddErrorSample($"{shardId}: GetRecords: {PutRunner.Describe(e)}");
                    return;
                }

                Interlocked.Add(ref shared.RecordsRead, summary.RecordCount);
                if (summary.NextShardIterator is null)
                {
                    // Shard end: a closed shard read to its last record. Continue with its children.
                    foreach (string child in summary.ChildShardIds)
                    {
                        launchChild(child);
                    }

                    Finished = true;
                    return;
                }

                if (summary.RecordCount == 0 && summary.MillisBehindLatest <= 0)
                {
                    Finished = true;
                    return;
                }

                iterator = summary.NextShardIterator;
            }
        }

        public void OnRecord(ReadOnlySpan<byte> sequenceNumber, ReadOnlySpan<byte> dataBase64, ReadOnlySpan<byte> partitionKey)
        {
            Records++;
            if (sequenceNumber.IsEmpty)
            {
                Corrupt++;
                result.AddErrorSample($"{shardId}: record without SequenceNumber");
                return;
            }

            if (_previousSequenceLength > 0 && RecordFormat.CompareSequence(sequenceNumber, _previousSequence.AsSpan(0, _previousSequenceLength)) <= 0)
            {
                SequenceOrderViolations++;
                result.AddErrorSample($"{shardId}: sequence number {Encoding.ASCII.GetString(sequenceNumber)} after {Encoding.ASCII.GetString(_previousSequence, 0, _previousSequenceLength)}");
            }

            if (_previousSequence.Length < sequenceNumber.Length)
            {
                _previousSequence = new byte[sequenceNumber.Length * 2];
            }

            sequenceNumber.CopyTo(_previousSequence);
            _previousSequenceLength = sequenceNumber.Length;

            int maxLength = Base64.GetMaxDecodedFromUtf8Length(dataBase64.Length);
            if (_data.Length < maxLength)
            {
                _data = new byte[Math.Max(maxLength, _data.Length * 2)];
            }

            if (Base64.DecodeFromUtf8(dataBase64, _data, out _, out int length) != System.Buffers.OperationStatus.Done)
            {
                Corrupt++;
                result.AddErrorSample($"{shardId}: Data is not valid base64");
                return;
            }

            Bytes += length;
            ReadOnlySpan<byte> data = _data.AsSpan(0, length);
            if (!RecordFormat.TryReadHeader(data, out uint writerId, out ulong counter, out _))
            {
                Foreign++;
                return;
            }

            WriterLog? log = null;
            if (shared.HasManifest)
            {
                if (!shared.TryGetWriter(writerId, out log))
                {
                    Foreign++;
                    return;
                }

                if (counter >= (ulong)log.Count)
                {
                    Corrupt++;
                    result.AddErrorSample($"{shardId}: record id {writerId:x}/{counter} was never sent");
                    return;
                }
            }

            if (length != shared.RecordSize || !data[RecordFormat.HeaderSize..].SequenceEqual(shared.Filler))
            {
                Corrupt++;
                result.AddErrorSample($"{shardId}: Data differs from what was sent (length {length}, expected {shared.RecordSize})");
                return;
            }

            if (!RecordFormat.TryParseKey(partitionKey, out int keyIndex))
            {
                Corrupt++;
                result.AddErrorSample($"{shardId}: unexpected PartitionKey '{Encoding.UTF8.GetString(partitionKey)}'");
                return;
            }

            if (!shared.MarkSeen(writerId, counter))
            {
                result.AddErrorSample($"{shardId}: duplicate record");
                return;
            }

            // Same writer, same key: counters were assigned in call order and a writer's calls are sequential.
            long writerKey = ((long)writerId << 32) | (uint)keyIndex;
            if (_lastCounterByWriterKey.TryGetValue(writerKey, out ulong lastCounter) && counter <= lastCounter)
            {
                KeyOrderViolations++;
                result.AddErrorSample($"{shardId}: same-key records of one writer out of order");
            }

            _lastCounterByWriterKey[writerKey] = counter;
            if (log is null)
            {
                return;
            }

            ref AckEntry entry = ref log[(long)counter];
            if (entry.KeyIndex != keyIndex)
            {
                Corrupt++;
                result.AddErrorSample($"{shardId}: PartitionKey differs from the one sent");
            }

            if (entry.Status != AckStatus.Acked)
            {
                return;
            }

            if (entry.ShardIndex != _shardIndex)
            {
                WrongShard++;
                result.AddErrorSample($"{shardId}: record acknowledged for shard index {entry.ShardIndex}");
            }

            if (entry.SequenceHash != RecordFormat.HashSequence(sequenceNumber))
            {
                SequenceMismatches++;
                result.AddErrorSample($"{shardId}: sequence number differs from the acknowledged one");
            }

            // Any writers, same key: a record whose call was sent after this record's call was acknowledged must come later.
            CallTimes call = log.Calls[entry.CallIndex];
            if (_maxSendByKey.TryGetValue(keyIndex, out long maxSend) && maxSend > call.AckTimestamp)
            {
                KeyOrderViolations++;
                result.AddErrorSample($"{shardId}: a same-key record sent after this one was acknowledged precedes it");
            }

            _maxSendByKey[keyIndex] = Math.Max(maxSend, call.SendTimestamp);
        }
    }
}
