using System.Buffers;
using System.Globalization;
using Eddy.Core;
using Eddy.Storage;
using Eddy.Streams.Encryption;
using Microsoft.Extensions.Logging;

namespace Eddy.Streams;

/// <summary>
/// Records in and out: PutRecord(s) (routing, sequencing, group appends, encryption), shard iterators and GetRecords,
/// and the batch rules every reader shares (<see cref="ReadBatchAsync"/>). Takes no lock: it reads the immutable shard
/// arrays of <see cref="StreamState"/> and appends through each shard's log, whose single writer orders records.
/// </summary>
internal sealed partial class DataPlane(EngineContext context, EncryptionKeys keys) : IStreamDataPlane
{
    private const int MaxGetRecordsBytes = 10 * 1024 * 1024;
    private const long IteratorLifetimeMs = 300_000;

    private string Account => context.Account;
    private StreamTable Streams => context.Streams;
    private long NowMs => context.NowMs;

    public int MaxRecordBytes(StreamRef stream) => Streams.Resolve(stream).MaxRecordKiB * 1024;

    public async ValueTask<PutRecordsResult> PutRecordAsync(StreamRef stream, PutEntry entry, string? sequenceNumberForOrdering)
    {
        var s = Streams.ResolveLive(stream);
        if (sequenceNumberForOrdering is not null && !SequenceNumberInput.TryParse(sequenceNumberForOrdering, out _))
            throw KinesisException.Invalid($"ExclusiveMinimumSequenceNumber {sequenceNumberForOrdering} used in PutRecord on stream {s.Name} under account {Account} is invalid.");
        var outcomes = new PutOutcome[1];
        if (await AppendAsync(s, [entry], outcomes).ConfigureAwait(false) > 0)
            throw new KinesisException(Enum.Parse<ErrorCode>(outcomes[0].ErrorCode!), outcomes[0].ErrorMessage);
        return new PutRecordsResult(outcomes, 0, s.EncryptionType);
    }

    /// <summary>
    /// Appends every entry it can and reports the others per record, as AWS does: a record over its shard's budget
    /// fails with ProvisionedThroughputExceededException, one whose shard could not be written (a full disk) with
    /// InternalFailure, and the rest are acknowledged. Only when no record was written and a write failed does the whole
    /// call fail (InternalFailure), so a client's retry of the call cannot duplicate anything.
    /// </summary>
    public async ValueTask<PutRecordsResult> PutRecordsAsync(StreamRef stream, IReadOnlyList<PutEntry> entries)
    {
        var s = Streams.ResolveLive(stream);
        var outcomes = new PutOutcome[entries.Count];
        var failed = await AppendAsync(s, entries, outcomes).ConfigureAwait(false);
        if (failed == entries.Count && Array.Exists(outcomes, o => o.ErrorCode == nameof(ErrorCode.InternalFailure)))
            throw KinesisException.InternalFailure();
        return new PutRecordsResult(outcomes, failed, s.EncryptionType);
    }

    /// <summary>
    /// Routes each entry to its open shard and appends every shard's group concurrently, in array order within a shard.
    /// A group that meets a shard closed by a concurrent reshard is routed again on the new shard map. With shard limits
    /// on, an entry over its shard's budget gets a ProvisionedThroughputExceededException outcome instead. Returns the
    /// number of refused entries.
    /// </summary>
    private async Task<int> AppendAsync(StreamState s, IReadOnlyList<PutEntry> entries, PutOutcome[] outcomes)
    {
        var limited = LimitsOn(s);
        var failed = 0;
        var pending = new List<int>(entries.Count);
        for (var i = 0; i < entries.Count; i++) pending.Add(i);
        while (pending.Count > 0)
        {
            var changed = s.ShardsChanged; // before the list: see StreamState.ShardsChanged
            var open = s.OpenShards;
            var groups = new Dictionary<ShardState, List<int>>();
            foreach (var i in pending)
            {
                var shard = StreamState.Route(open, entries[i].HashKey);
                if (limited && !shard.Budget(context.Time).TryWrite(entries[i].Data.Length + entries[i].PartitionKey.Length))
                {
                    outcomes[i] = new PutOutcome(null, null, nameof(ErrorCode.ProvisionedThroughputExceededException), ShardRateExceeded(s, shard));
                    failed++;
                    continue;
                }
                if (!groups.TryGetValue(shard, out var list)) groups[shard] = list = [];
                list.Add(i);
            }
            pending.Clear();
            var encrypted = keys.SealingKeyFor(s);
            var tasks = new List<Task<int>>(groups.Count);
            foreach (var (shard, indices) in groups) tasks.Add(AppendGroupAsync(shard, entries, indices, encrypted, outcomes));
            var results = await Task.WhenAll(tasks).ConfigureAwait(false);
            var i2 = 0;
            foreach (var (_, indices) in groups)
            {
                var result = results[i2++];
                if (result < 0) pending.AddRange(indices);
                else failed += result;
            }
            // A group met a shard closed by a reshard whose children are not published yet: route it again on the next list.
            if (pending.Count > 0) await changed.ConfigureAwait(false);
        }
        return failed;
    }

    /// <summary>Whether AWS's per-shard throughput limits apply to this stream (server option, or the stream's tag).</summary>
    public bool LimitsOn(StreamState s) => s.ShardLimitsTag switch
    {
        "aws" => true,
        "off" => false,
        _ => context.Options.ShardLimits,
    };

    public string ShardRateExceeded(StreamState s, ShardState shard) => $"Rate exceeded for shard {shard.Id} in stream {s.Name} under account {Account}.";

    /// <summary>Appends one shard's group; with <paramref name="encrypted"/> set, every payload is sealed (version 2)
    /// under a data key of its own for this group (docs/formats/record-payload.md). Returns -1 when the shard was closed
    /// by a reshard (route the group again), else the number of the group's records that failed: none, or all of them
    /// with InternalFailure when the log could not be written (a failed append leaves none of its records).</summary>
    private async Task<int> AppendGroupAsync(ShardState shard, IReadOnlyList<PutEntry> entries, List<int> indices, SealingKey? encrypted, PutOutcome[] outcomes)
    {
        if (!shard.TryEnterWrite()) return -1;
        try
        {
            using var sealer = encrypted is null ? null : new RecordCipher.Sealer(encrypted.Key, encrypted.StreamId, shard.Index);
            var total = 0;
            foreach (var i in indices) total += RecordPayload.SizeOf(entries[i]);
            var bufferBytes = sealer is null ? total : total + indices.Count * (RecordPayload.SealedSizeOf(default) - RecordPayload.SizeOf(default));
            var buffer = ArrayPool<byte>.Shared.Rent(bufferBytes); // the log copies payloads before the append completes
            var payloads = new ReadOnlyMemory<byte>[indices.Count];
            var at = 0;
            for (var k = 0; k < indices.Count; k++)
            {
                var entry = entries[indices[k]];
                var size = sealer is null ? RecordPayload.SizeOf(entry) : RecordPayload.SealedSizeOf(entry);
                if (sealer is null) RecordPayload.Write(buffer.AsSpan(at, size), entry, encrypted: false);
                else RecordPayload.WriteSealed(buffer.AsSpan(at, size), entry, sealer, (uint)k);
                payloads[k] = buffer.AsMemory(at, size);
                at += size;
            }
            AppendResult result;
            try
            {
                result = await shard.Log.AppendAsync(payloads).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                if (Interlocked.Exchange(ref _writesFailing, 1) == 0) LogWritesFailing(context.Logger, shard.Log.Id, e.Message);
                foreach (var i in indices)
                    outcomes[i] = new PutOutcome(null, null, nameof(ErrorCode.InternalFailure), KinesisException.InternalFailureMessage);
                return indices.Count;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            if (Volatile.Read(ref _writesFailing) != 0 && Interlocked.Exchange(ref _writesFailing, 0) == 1) LogWritesResumed(context.Logger, shard.Log.Id);
            for (var k = 0; k < indices.Count; k++)
                outcomes[indices[k]] = new PutOutcome(shard.Id, shard.SequenceAt(result.FirstOffset + k, result.TimestampMs), null, null);
            shard.Meter.Add(total, indices.Count);
            return 0;
        }
        finally
        {
            shard.ExitWrite();
        }
    }

    public string GetShardIterator(StreamRef stream, string shardId, ShardIteratorType type, string? startingSequenceNumber, DateTimeOffset? timestamp)
    {
        var index = Streams.ParseShardId(stream, shardId);
        var s = Streams.TryResolve(stream, out var name) ?? throw Streams.ShardMissing(index, name);
        if (s.Status is not (StreamStatus.Active or StreamStatus.Updating)) throw KinesisException.StreamNotFound(s.Name, Account);
        var shard = Streams.ResolveShard(s, index, forIterator: true);
        if (LimitsOn(s) && shard.IsOpen && !shard.Budget(context.Time).TryGetIterator())
            throw new KinesisException(ErrorCode.ProvisionedThroughputExceededException, ShardRateExceeded(s, shard));
        var offset = StartOffset(s, shard, type, startingSequenceNumber, timestamp, "GetShardIterator");
        return context.Iterators.Encode(new IteratorPosition(s.Id, s.Name, shard.Index, offset, NowMs));
    }

    /// <summary>The offset a starting position designates (GetShardIterator and SubscribeToShard share the rules).</summary>
    public long StartOffset(StreamState s, ShardState shard, ShardIteratorType type, string? startingSequenceNumber, DateTimeOffset? timestamp, string operation)
    {
        var wire = type switch
        {
            ShardIteratorType.AtSequenceNumber => "AT_SEQUENCE_NUMBER",
            ShardIteratorType.AfterSequenceNumber => "AFTER_SEQUENCE_NUMBER",
            ShardIteratorType.TrimHorizon => "TRIM_HORIZON",
            ShardIteratorType.Latest => "LATEST",
            _ => "AT_TIMESTAMP",
        };
        var bySequence = type is ShardIteratorType.AtSequenceNumber or ShardIteratorType.AfterSequenceNumber;
        if (bySequence != (startingSequenceNumber is not null))
        {
            throw KinesisException.Invalid("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or " +
                $"(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified {wire} and " +
                (bySequence ? "no StartingSequenceNumber." : "also a StartingSequenceNumber."));
        }

        switch (type)
        {
            case ShardIteratorType.AtSequenceNumber:
            case ShardIteratorType.AfterSequenceNumber:
                var seq = DecodeSequenceNumber(s, shard, startingSequenceNumber!, operation);
                return seq.Counter == SequenceNumber.EndCounter ? shard.EndOffset
                    : type == ShardIteratorType.AtSequenceNumber ? ShardState.OffsetOf(seq.Counter) : seq.Counter;
            case ShardIteratorType.TrimHorizon:
                return shard.Log.StartOffset;
            case ShardIteratorType.Latest:
                return shard.EndOffset;
            default:
                if (timestamp is not { } at)
                    throw KinesisException.Invalid("Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.");
                var ms = at.ToUnixTimeMilliseconds();
                var now = NowMs;
                if (ms > now)
                    throw KinesisException.Invalid($"The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: {ms}, currentTimestampInMillis: {now}");
                return Math.Min(shard.Log.FindOffsetByTimestamp(ms), shard.EndOffset);
        }
    }

    /// <summary>
    /// A StartingSequenceNumber as AWS checks it: decodable (<see cref="SequenceNumberInput"/>), then of this shard, then
    /// of this shard's incarnation (version 2 and the shard's creation second). AWS answers InternalFailure for a
    /// version-0 number of the right shard index; Eddy answers that it did not come from this stream (never a 5xx for
    /// bad input).
    /// </summary>
    private SequenceNumberInput DecodeSequenceNumber(StreamState s, ShardState shard, string text, string operation)
    {
        if (!SequenceNumberInput.TryParse(text, out var seq))
            throw KinesisException.Invalid($"StartingSequenceNumber {text} used in {operation} on shard {shard.Id} in stream {s.Name} under account {Account} is invalid.");
        if (seq.ShardIndex != shard.Index)
            throw KinesisException.Invalid($"Invalid StartingSequenceNumber. It encodes {ShardId.Format(seq.ShardIndex)}, while it was used in a call to a shard with {shard.Id}");
        if (seq.Version != 2 || seq.ShardCreationSeconds != shard.SeqEpochSeconds)
            throw KinesisException.Invalid($"StartingSequenceNumber {text} used in {operation} on shard {shard.Id} in stream {s.Name} under account {Account} is invalid because it did not come from this stream.");
        return seq;
    }

    public async ValueTask<GetRecordsResult> GetRecordsAsync(string shardIterator, int? limit, StreamRef stream)
    {
        if (!context.Iterators.TryDecode(shardIterator, out var position)) throw KinesisException.Invalid("Invalid ShardIterator.");
        var now = NowMs;
        if (now - position.IssuedMs > IteratorLifetimeMs)
        {
            throw new KinesisException(ErrorCode.ExpiredIteratorException,
                $"Iterator expired. The iterator was created at time {JavaDate(position.IssuedMs)} while right now it is {JavaDate(now)} " +
                $"which is further in the future than the tolerated delay of {IteratorLifetimeMs} milliseconds.");
        }
        // A deleted (or deleted and re-created) stream answers like a missing shard, naming the stream the iterator read.
        if (Streams.FindById(position.StreamId) is not { } s || s.Status is not (StreamStatus.Active or StreamStatus.Updating))
            throw Streams.ShardMissing(position.ShardIndex, position.StreamName);
        if ((stream.Name ?? stream.Arn) is not null && !ReferenceEquals(Streams.Resolve(stream), s))
            throw KinesisException.Invalid("Invalid ShardIterator.");
        var shard = s.FindShard(position.ShardIndex);
        if (shard is null || Streams.IsExpired(s, shard)) throw Streams.ShardMissing(position.ShardIndex, s.Name);

        var budget = LimitsOn(s) ? shard.Budget(context.Time) : null;
        if (budget is not null && !budget.TryRead())
            throw new KinesisException(ErrorCode.ProvisionedThroughputExceededException, ShardRateExceeded(s, shard));
        var batch = await ReadBatchAsync(s, shard, position.Offset, limit ?? 10_000, MaxGetRecordsBytes, now).ConfigureAwait(false);
        budget?.Read(batch.Records.Sum(r => (long)r.Data.Length + r.PartitionKey.Length));
        if (batch.ShardEnded)
            return new GetRecordsResult(batch.Records, null, 0, Children(s, shard)) { Lease = batch.Lease };
        return new GetRecordsResult(batch.Records, context.Iterators.Encode(new IteratorPosition(s.Id, s.Name, shard.Index, batch.NextOffset, now)), batch.MillisBehind, null) { Lease = batch.Lease };
    }

    public string? StreamArnOfIterator(string shardIterator) =>
        context.Iterators.TryDecode(shardIterator, out var position) ? Streams.StreamArn(position.StreamName) : null;

    /// <summary>Records read from one shard for GetRecords or a push event: retention applied, payloads decoded.</summary>
    public readonly record struct Batch(List<ReadRecord> Records, long NextOffset, long MillisBehind, bool ShardEnded, IDisposable Lease);

    public async ValueTask<Batch> ReadBatchAsync(StreamState s, ShardState shard, long offset, int limit, long maxBytes, long now)
    {
        var closed = shard.IsEnded; // read before the log so the end offset is final and the children are listed
        var read = await shard.Log.ReadAsync(offset, limit, maxBytes).ConfigureAwait(false);
        RecordCipher.Opener? opener = null;
        try
        {
            var cutoff = now - s.RetentionMs;
            var records = new List<ReadRecord>(read.Records.Count);
            long lastArrival = 0;
            byte[]? plain = null; // one buffer for the batch's decrypted records, sized on the first sealed one
            var plainAt = 0;
            foreach (var r in read.Records)
            {
                if (r.TimestampMs < cutoff) continue;
                ReadOnlyMemory<byte> key, data;
                bool encrypted;
                if (RecordPayload.IsSealed(r.Payload.Span, out var plainBytes))
                {
                    if (plain is null)
                    {
                        var sum = 0;
                        foreach (var x in read.Records)
                            if (RecordPayload.IsSealed(x.Payload.Span, out var n)) sum += n;
                        plain = GC.AllocateUninitializedArray<byte>(sum);
                        opener = keys.Opener(s.Id, shard.Index);
                    }
                    if (!RecordPayload.TryOpen(r.Payload.Span, plain.AsMemory(plainAt, plainBytes), opener!, out key, out data)) continue;
                    plainAt += plainBytes;
                    encrypted = true;
                }
                else if (!RecordPayload.TryRead(r.Payload, out key, out data, out encrypted))
                {
                    continue;
                }

                records.Add(new ReadRecord(shard.SequenceNumberAt(r.Offset, r.TimestampMs), r.TimestampMs, key, data, encrypted));
                lastArrival = r.TimestampMs;
            }
            var next = Math.Max(read.NextOffset, offset);
            var ended = closed && next >= shard.FinalEndOffset;
            var behind = ended || next >= shard.Log.EndOffset || records.Count == 0 ? 0 : Math.Max(0, now - lastArrival);
            return new Batch(records, next, behind, ended, read);
        }
        catch
        {
            read.Dispose();
            throw;
        }
        finally
        {
            opener?.Dispose();
        }
    }

    public static List<ChildShardView> Children(StreamState s, ShardState parent) =>
        [.. s.Shards.Where(c => c.Parent == parent.Index || c.AdjacentParent == parent.Index)
            .Select(c => new ChildShardView(c.Id,
                c.AdjacentParent is { } a ? [ShardId.Format(c.Parent!.Value), ShardId.Format(a)] : [ShardId.Format(c.Parent!.Value)],
                c.Range))];

    /// <summary>Java's Date.toString() form, which AWS prints in ExpiredIteratorException messages.</summary>
    private static string JavaDate(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("ddd MMM dd HH:mm:ss 'UTC' yyyy", CultureInfo.InvariantCulture);

    /// <summary>1 while appends fail (a full disk): the first failure and the first success after it are logged, not every one.</summary>
    private int _writesFailing;

    [LoggerMessage(Level = LogLevel.Error, Message = "Appends are failing (first on log {LogId}: {Reason}); the records are refused with InternalFailure and reads go on")]
    private static partial void LogWritesFailing(ILogger logger, string logId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Appends succeed again (log {LogId})")]
    private static partial void LogWritesResumed(ILogger logger, string logId);
}
