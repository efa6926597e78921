using Eddy.Client;
using Eddy.Client.Kinesis;

namespace Eddy.Producer;

/// <summary>
/// A KPL-style producer: <see cref="AddUserRecordAsync"/> buffers a user record and returns a task that completes with
/// where it was stored (shard, sequence number, sub-sequence number) or fails with its final error
/// (<see cref="UserRecordFailedException"/>). Records predicted for the same shard (a shard map from ListShards, kept
/// per stream and refreshed when a result shows a reshard) are packed into KPL aggregates (<see cref="KplAggregation"/>;
/// an aggregate of one record is sent raw), pass per-shard token buckets (<see cref="ProducerOptions.RateLimit"/>% of
/// 1000 records/s and 1 MiB/s) and are collected into PutRecords calls (500 entries, 5 MiB). A record waits at most
/// <see cref="ProducerOptions.RecordMaxBufferedTime"/> before its call is sent (longer only when its shard's budget is
/// spent or <see cref="ProducerOptions.MaxConcurrentRequests"/> calls are in flight). Failed entries, and only those,
/// are retried with a doubling backoff until <see cref="ProducerOptions.RecordTtl"/> (then <c>Expired</c>); errors that
/// no retry can fix (<c>ResourceNotFoundException</c>: the stream is gone, validation, access, KMS configuration) fail
/// the record at once, and a stream that is gone fails every record buffered for it.
/// </summary>
/// <remarks>
/// Threading: every member may be called concurrently; one lock guards the buffers (held for short, non-blocking
/// work), PutRecords calls run on the thread pool. Record tasks complete asynchronously (never inline in the caller).
/// Ordering: records of one shard are sent in the order they were added unless retried, as the KPL's (a retry may
/// overtake). Duplicates: a PutRecords whose answer is lost is retried whole, and an aggregate that lands on a shard
/// whose range does not hold all its records (a reshard the map had not seen) is stored and its records sent again; the
/// consumer's de-aggregation drops the stray copy as the KCL does. Back-pressure: at most
/// <see cref="ProducerOptions.MaxBufferedRecords"/> records / <see cref="ProducerOptions.MaxBufferedBytes"/> bytes are
/// buffered (added, not completed); <see cref="AddUserRecordAsync"/> waits for room, first come first served.
/// Ownership: the producer copies the data it is given. Disposal flushes (waits for every buffered record to complete)
/// and then releases the client when the producer created it.
/// </remarks>
public sealed class KinesisProducer : IAsyncDisposable
{
    private static readonly HashSet<string> s_final = new(StringComparer.Ordinal)
    {
        "ResourceNotFoundException", "InvalidArgumentException", "ValidationException", "AccessDeniedException",
        "KMSNotFoundException", "KMSDisabledException", "KMSInvalidStateException", "KMSAccessDeniedException", "KMSOptInRequired",
        "UnrecognizedClientException", "IncompleteSignature", "InvalidSignatureException", "MissingAuthenticationToken",
        "SerializationException",
    };

    private readonly IProducerKinesis _kinesis;
    private readonly ProducerOptions _options;
    private readonly TimeProvider _time;
    private readonly IDisposable? _owned;
    private readonly ProducerMetrics _metrics;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, StreamState> _streams = new(StringComparer.Ordinal);
    private readonly Queue<Waiter> _waiters = new();
    private readonly Queue<(StreamState Stream, List<KinesisRecord> Batch)> _ready = new();
    private readonly ITimer _timer;
    private readonly CancellationTokenSource _disposing = new();
    private readonly double _recordsPerSecond, _bytesPerSecond;
    private long _timerDue = long.MaxValue;
    private int _bufferedRecords, _inFlight, _flushes, _pumpScheduled;
    private long _bufferedBytes;
    private bool _disposed;
    private TaskCompletionSource? _drained;

    /// <summary>A producer over Eddy's <see cref="KinesisClient"/> (not owned: dispose it after the producer).</summary>
    public KinesisProducer(KinesisClient client, ProducerOptions? options = null)
        : this(new KinesisClientCalls(client ?? throw new ArgumentNullException(nameof(client))), options, null)
    {
    }

    /// <summary>A producer with a client of its own (disposed with the producer).</summary>
    public KinesisProducer(EddyClientOptions clientOptions, ProducerOptions? options = null)
        : this(new KinesisClient(clientOptions), options, owns: true)
    {
    }

    /// <summary>A producer over any <see cref="IProducerKinesis"/> (a fake in tests). Not owned.</summary>
    public KinesisProducer(IProducerKinesis kinesis, ProducerOptions? options = null)
        : this(kinesis, options, null)
    {
    }

    private KinesisProducer(KinesisClient client, ProducerOptions? options, bool owns)
        : this(new KinesisClientCalls(client), options, owns ? client : null)
    {
    }

    private KinesisProducer(IProducerKinesis kinesis, ProducerOptions? options, IDisposable? owned)
    {
        _kinesis = kinesis ?? throw new ArgumentNullException(nameof(kinesis));
        _options = options ?? new ProducerOptions();
        _options.Validate();
        _owned = owned;
        _time = _options.TimeProvider;
        _recordsPerSecond = 1000.0 * _options.RateLimit / 100;
        _bytesPerSecond = 1024.0 * 1024 * _options.RateLimit / 100;
        _metrics = new ProducerMetrics(_options.MeterFactory, () => Volatile.Read(ref _bufferedRecords));
        _timer = _time.CreateTimer(_ => RequestPump(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The name of the meter the producer reports through.</summary>
    public const string MeterName = ProducerMetrics.MeterName;

    /// <summary>User records added and not yet completed.</summary>
    public int BufferedRecords => Volatile.Read(ref _bufferedRecords);

    /// <summary>
    /// Adds a user record for <paramref name="streamName"/> and completes once it is stored (acknowledged by PutRecords)
    /// with its shard, sequence number and sub-sequence number, or faults with a <see cref="UserRecordFailedException"/>
    /// (its final error). While the buffer is full it first waits for room (<see cref="BufferUserRecordAsync"/>);
    /// <paramref name="cancellationToken"/> cancels only that wait (a record once taken is not withdrawn). A caller that
    /// starts many calls without awaiting them queues the records that wait for room; to be held back by the buffer
    /// instead, await <see cref="BufferUserRecordAsync"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An empty stream name; a partition key outside 1–256 characters; data and
    /// partition key over <see cref="ProducerOptions.MaxUserRecordSize"/>; an explicit hash key that is not a decimal
    /// in 0 – 2^128−1 (thrown at once, as Kinesis would refuse the record).</exception>
    /// <exception cref="ObjectDisposedException">The producer is disposed or being disposed.</exception>
    public async Task<UserRecordResult> AddUserRecordAsync(
        string streamName, string partitionKey, ReadOnlyMemory<byte> data, string? explicitHashKey = null, CancellationToken cancellationToken = default)
    {
        var completion = await BufferUserRecordAsync(streamName, partitionKey, data, explicitHashKey, cancellationToken).ConfigureAwait(false);
        return await completion.ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until the buffer has room for the record, takes it, and returns the task of its outcome (the task
    /// <see cref="AddUserRecordAsync"/> awaits). Completes synchronously when there is room, so a loop that awaits this
    /// call runs at full speed until the buffer is full, and then at the pace records complete. Waiting records are
    /// taken first come, first served; <paramref name="cancellationToken"/> cancels the wait. Throws as
    /// <see cref="AddUserRecordAsync"/>.
    /// </summary>
    public ValueTask<Task<UserRecordResult>> BufferUserRecordAsync(
        string streamName, string partitionKey, ReadOnlyMemory<byte> data, string? explicitHashKey = null, CancellationToken cancellationToken = default)
    {
        var record = Create(streamName, partitionKey, data, explicitHashKey);
        Waiter waiter;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_waiters.Count == 0 && Fits(record))
            {
                Admit(streamName, record);
                return new(record.Completion.Task);
            }
            waiter = new Waiter(streamName, record);
            _waiters.Enqueue(waiter);
        }
        return WaitForRoomAsync(waiter, cancellationToken);
    }

    private async ValueTask<Task<UserRecordResult>> WaitForRoomAsync(Waiter waiter, CancellationToken cancellationToken)
    {
        try
        {
            await waiter.Admitted.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_lock)
            {
                if (!waiter.Admitted.Task.IsCompleted)
                {
                    waiter.Cancelled = true;
                    throw;
                }
            }
        }
        return waiter.Record.Completion.Task;
    }

    /// <summary>Loads the stream's shard map now (it is otherwise loaded with the stream's first record) and completes
    /// once it is in place. Throws the <see cref="UserRecordFailedException"/> of a ListShards error no retry can fix
    /// (e.g. <c>ResourceNotFoundException</c>); other errors are retried as for any record (1 s, ×1.5, to 30 s) until
    /// <paramref name="cancellationToken"/> ends the wait.</summary>
    public async Task LoadShardMapAsync(string streamName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        StreamState? stream;
        Task? refresh;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_streams.TryGetValue(streamName, out stream))
            {
                stream = new StreamState(streamName, _recordsPerSecond, _bytesPerSecond, _time.GetUtcNow().UtcTicks);
                _streams.Add(streamName, stream);
            }
            refresh = stream.Map is null ? StartRefresh(stream) : null;
        }
        if (refresh is not null) await refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (stream.Gone is { } gone) throw new UserRecordFailedException(gone.ErrorCode, gone.ErrorMessage, 0);
    }

    /// <summary>Sends every buffered record now (aggregates and PutRecords calls without waiting for
    /// <see cref="ProducerOptions.RecordMaxBufferedTime"/>; rate limits and retry backoffs still apply) and completes
    /// when nothing is buffered any more (records added meanwhile included), as the KPL's <c>flushSync</c>.
    /// <paramref name="cancellationToken"/> ends the wait, not the sending.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        Task drained;
        lock (_lock)
        {
            if (_bufferedRecords == 0 && _waiters.Count == 0) return;
            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            drained = _drained.Task;
            _flushes++;
        }
        RequestPump();
        try
        {
            await drained.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _flushes--;
            }
        }
    }

    /// <summary>Refuses new records, flushes (every buffered record completes: stored, failed or expired), then stops
    /// the timer and releases the client if the producer made it. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
        }
        await FlushAsync().ConfigureAwait(false);
        _timer.Dispose();
        await _disposing.CancelAsync().ConfigureAwait(false);
        _disposing.Dispose();
        _metrics.Dispose();
        _owned?.Dispose();
    }

    private UserRecord Create(string streamName, string partitionKey, ReadOnlyMemory<byte> data, string? explicitHashKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        ArgumentNullException.ThrowIfNull(partitionKey);
        if (partitionKey.Length is < 1 or > 256)
        {
            throw new ArgumentException($"The partition key has {partitionKey.Length} characters; Kinesis takes 1 to 256.", nameof(partitionKey));
        }
        UInt128 hashKey;
        if (explicitHashKey is null)
        {
            hashKey = HashKeys.Of(partitionKey);
        }
        else if (!HashKeys.TryParse(explicitHashKey, out hashKey))
        {
            throw new ArgumentException($"The explicit hash key '{explicitHashKey}' is not a decimal between 0 and 2^128 - 1.", nameof(explicitHashKey));
        }
        var now = _time.GetUtcNow().UtcTicks;
        var record = new UserRecord(streamName, partitionKey, data.ToArray(), explicitHashKey, hashKey, now + _options.RecordTtl.Ticks);
        if (record.Size > _options.MaxUserRecordSize)
        {
            throw new ArgumentException($"The record has {record.Size} bytes of data and partition key; the most is {_options.MaxUserRecordSize}.", nameof(data));
        }
        return record;
    }

    private bool Fits(UserRecord record) =>
        _bufferedRecords == 0
        || (_bufferedRecords + 1 <= _options.MaxBufferedRecords && _bufferedBytes + record.Size <= _options.MaxBufferedBytes);

    /// <summary>Takes a record into the buffers (under the lock).</summary>
    private void Admit(string streamName, UserRecord record)
    {
        _bufferedRecords++;
        _bufferedBytes += record.Size;
        var now = _time.GetUtcNow().UtcTicks;
        if (!_streams.TryGetValue(streamName, out var stream))
        {
            stream = new StreamState(streamName, _recordsPerSecond, _bytesPerSecond, now);
            _streams.Add(streamName, stream);
            StartRefresh(stream);
        }
        if (stream.Map is null)
        {
            stream.Unmapped.Add(record);
            ScheduleAt(record.Expires, now);
            return;
        }
        if (Place(stream, record, now + _options.RecordMaxBufferedTime.Ticks, now)) RequestPump();
    }

    /// <summary>Puts a record into its shard's aggregator (or straight into the shard's queue when it goes alone);
    /// true when a Kinesis record became ready for the limiter.</summary>
    private bool Place(StreamState stream, UserRecord record, long deadline, long now)
    {
        var shard = stream.Map!.ShardOf(record.HashKey);
        if (!_options.AggregationEnabled)
        {
            stream.QueueOf(shard).Records.Enqueue(Aggregator.Single(shard, record, deadline));
            return true;
        }
        var aggregator = stream.AggregatorOf(shard);
        var size = aggregator.SizeWith(record);
        if (aggregator.Count == 0 && size > _options.AggregationMaxSize)
        {
            stream.QueueOf(shard).Records.Enqueue(Aggregator.Single(shard, record, deadline));
            return true;
        }
        var sealedOne = false;
        if (aggregator.Count > 0 && size > _options.AggregationMaxSize)
        {
            stream.QueueOf(shard).Records.Enqueue(aggregator.Seal());
            sealedOne = true;
            if (aggregator.SizeWith(record) > _options.AggregationMaxSize)
            {
                stream.QueueOf(shard).Records.Enqueue(Aggregator.Single(shard, record, deadline));
                return true;
            }
        }
        aggregator.Add(record, deadline);
        if (aggregator.Count >= _options.AggregationMaxCount)
        {
            stream.QueueOf(shard).Records.Enqueue(aggregator.Seal());
            return true;
        }
        ScheduleAt(aggregator.Deadline, now);
        return sealedOne;
    }

    /// <summary>Makes the timer fire by <paramref name="due"/> (under the lock).</summary>
    private void ScheduleAt(long due, long now)
    {
        if (due >= _timerDue) return;
        _timerDue = due;
        _timer.Change(TimeSpan.FromTicks(Math.Max(0, due - now)), Timeout.InfiniteTimeSpan);
    }

    private void RequestPump()
    {
        if (Interlocked.Exchange(ref _pumpScheduled, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static self => self.Pump(), this, preferLocal: false);
        }
    }

    /// <summary>Moves records along: due retries and first-mapped records into aggregators, due aggregates into the
    /// limiter, what the buckets allow into PutRecords calls, due or full calls out; then sets the timer to the next due
    /// time.</summary>
    private void Pump()
    {
        Volatile.Write(ref _pumpScheduled, 0);
        List<(UserRecord Record, UserRecordFailedException Error)> failed = [];
        List<(StreamState, List<KinesisRecord>)> sends = [];
        lock (_lock)
        {
            var now = _time.GetUtcNow().UtcTicks;
            var next = long.MaxValue;
            var flushing = _flushes > 0;
            foreach (var stream in _streams.Values)
            {
                next = Math.Min(next, PumpStream(stream, now, flushing, failed));
            }
            while (_inFlight < _options.MaxConcurrentRequests && _ready.TryDequeue(out var send))
            {
                _inFlight++;
                sends.Add(send);
            }
            _timerDue = next;
            _timer.Change(next == long.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromTicks(Math.Max(0, next - now)), Timeout.InfiniteTimeSpan);
            Release(failed.Select(f => f.Record));
        }
        Fail(failed);
        foreach (var (stream, batch) in sends)
        {
            _ = Task.Run(() => SendAsync(stream, batch));
        }
    }

    /// <summary>One stream's part of <see cref="Pump"/>; returns its next due time.</summary>
    private long PumpStream(StreamState stream, long now, bool flushing, List<(UserRecord, UserRecordFailedException)> failed)
    {
        var next = long.MaxValue;
        if (stream.Map is null)
        {
            stream.Unmapped.RemoveAll(r =>
            {
                if (r.Expires > now) return false;
                failed.Add((r, Expired(r)));
                return true;
            });
            return stream.Unmapped.Count == 0 ? next : stream.Unmapped.Min(r => r.Expires);
        }

        foreach (var record in stream.Unmapped)
        {
            // the deadline counts from when the record was added
            Place(stream, record, record.Expires - _options.RecordTtl.Ticks + _options.RecordMaxBufferedTime.Ticks, now);
        }
        stream.Unmapped.Clear();
        if (stream.Delayed.Count > 0)
        {
            var due = stream.Delayed.Where(r => r.Due <= now).ToList();
            stream.Delayed.RemoveAll(r => r.Due <= now);
            foreach (var record in due)
            {
                Place(stream, record, now, now);
            }
            foreach (var record in stream.Delayed)
            {
                next = Math.Min(next, record.Due);
            }
        }

        foreach (var aggregator in stream.Aggregators)
        {
            if (aggregator.Value.Count == 0) continue;
            if (flushing || aggregator.Value.Deadline <= now)
            {
                stream.QueueOf(aggregator.Key.Length == 0 ? null : aggregator.Key).Records.Enqueue(aggregator.Value.Seal());
            }
            else
            {
                next = Math.Min(next, aggregator.Value.Deadline);
            }
        }

        var timestamp = now;
        foreach (var queue in stream.Shards.Values)
        {
            while (queue.Records.TryPeek(out var record))
            {
                if (record.Expires <= now)
                {
                    queue.Records.Dequeue();
                    failed.AddRange(record.Records.Select(r => (r, Expired(r))));
                    continue;
                }
                if (!queue.RecordTokens.CanTake(1, timestamp) || !queue.ByteTokens.CanTake(record.Size, timestamp))
                {
                    var wait = TimeSpan.FromTicks(Math.Max(queue.RecordTokens.Until(1).Ticks, queue.ByteTokens.Until(record.Size).Ticks));
                    next = Math.Min(next, Math.Min(now + wait.Ticks, record.Expires));
                    break;
                }
                queue.RecordTokens.Take(1);
                queue.ByteTokens.Take(record.Size);
                queue.Records.Dequeue();
                if (stream.Collected.Count > 0
                    && (stream.Collected.Count >= _options.CollectionMaxCount || stream.CollectedBytes + record.Size > _options.CollectionMaxSize))
                {
                    TakeBatch(stream);
                }
                stream.Collected.Add(record);
                stream.CollectedBytes += record.Size;
                stream.CollectedDeadline = Math.Min(stream.CollectedDeadline, record.Deadline);
            }
        }

        if (stream.Collected.Count > 0)
        {
            if (flushing || stream.CollectedDeadline <= now || stream.Collected.Count >= _options.CollectionMaxCount)
            {
                TakeBatch(stream);
            }
            else
            {
                next = Math.Min(next, stream.CollectedDeadline);
            }
        }
        return next;
    }

    private void TakeBatch(StreamState stream)
    {
        _ready.Enqueue((stream, stream.Collected));
        stream.Collected = [];
        stream.CollectedBytes = 0;
        stream.CollectedDeadline = long.MaxValue;
    }

    private async Task SendAsync(StreamState stream, List<KinesisRecord> batch)
    {
        var entries = new PutRecordsRequestEntry[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var record = batch[i];
            entries[i] = new PutRecordsRequestEntry { Data = record.Data, PartitionKey = record.PartitionKey, ExplicitHashKey = record.ExplicitHashKey };
            foreach (var user in record.Records)
            {
                user.Attempts++;
            }
        }

        List<(UserRecord Record, UserRecordResult Result)> stored = [];
        List<(UserRecord Record, string Code, string Message)> failures = [];
        List<(KinesisRecord Record, PutRecordsResultEntry Entry)> wrongShard = [];
        long kinesisRecords = 0;
        try
        {
            var response = await _kinesis.PutRecordsAsync(new PutRecordsRequest { StreamName = stream.Name, Records = entries }, _disposing.Token).ConfigureAwait(false);
            if (response.Records.Count != batch.Count)
            {
                FailAll(ProducerErrors.RecordCountMismatch, $"PutRecords answered {response.Records.Count} entries for {batch.Count}.");
            }
            else
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    var entry = response.Records[i];
                    var record = batch[i];
                    if (entry.ErrorCode is not null || entry.SequenceNumber is null || entry.ShardId is null)
                    {
                        failures.AddRange(record.Records.Select(r => (r, entry.ErrorCode ?? "InternalFailure", entry.ErrorMessage ?? "")));
                        continue;
                    }
                    kinesisRecords++;
                    if (record.Records.Count > 1 && entry.ShardId != record.PredictedShard)
                    {
                        wrongShard.Add((record, entry));
                        continue;
                    }
                    Stored(record, entry);
                }
            }
        }
        catch (EddyServiceException e)
        {
            FailAll(e.ErrorType, e.ErrorMessage);
        }
        catch (Exception e)
        {
            FailAll(ProducerErrors.NetworkError, e.Message);
        }

        if (kinesisRecords > 0) _metrics.KinesisRecordsPut.Add(kinesisRecords, new KeyValuePair<string, object?>("stream", stream.Name));
        if (wrongShard.Count > 0)
        {
            // the map did not foresee this shard: refresh it, then keep the aggregate if its new shard holds every record
            await RefreshAsync(stream, force: true).ConfigureAwait(false);
            ShardMap? map;
            lock (_lock)
            {
                map = stream.Map;
            }
            foreach (var (record, entry) in wrongShard)
            {
                if (map is not null && record.Records.TrueForAll(r => map.Contains(entry.ShardId!, r.HashKey)))
                {
                    Stored(record, entry);
                }
                else
                {
                    failures.AddRange(record.Records.Select(r => (r, "WrongShard", $"Stored in {entry.ShardId}, whose hash range does not hold every record of the aggregate.")));
                }
            }
        }
        Complete(stream, stored, failures);

        void Stored(KinesisRecord record, PutRecordsResultEntry entry)
        {
            for (var sub = 0; sub < record.Records.Count; sub++)
            {
                stored.Add((record.Records[sub], new UserRecordResult(entry.ShardId!, entry.SequenceNumber!, sub)));
            }
        }

        void FailAll(string code, string message)
        {
            failures.AddRange(batch.SelectMany(k => k.Records).Select(r => (r, code, message)));
        }
    }

    /// <summary>Settles a call's records: results for the stored ones, a retry or the final error for the others.</summary>
    private void Complete(StreamState stream, List<(UserRecord Record, UserRecordResult Result)> stored, List<(UserRecord Record, string Code, string Message)> failures)
    {
        List<(UserRecord Record, UserRecordFailedException Error)> failed = [];
        var tag = new KeyValuePair<string, object?>("stream", stream.Name);
        var retries = 0;
        lock (_lock)
        {
            _inFlight--;
            var now = _time.GetUtcNow().UtcTicks;
            UserRecordFailedException? gone = null;
            foreach (var (record, code, message) in failures)
            {
                record.LastErrorCode = code;
                record.LastErrorMessage = message;
                if (s_final.Contains(code) || (_options.FailIfThrottled && code == "ProvisionedThroughputExceededException"))
                {
                    failed.Add((record, new UserRecordFailedException(code, message, record.Attempts)));
                    if (code == "ResourceNotFoundException") gone ??= new UserRecordFailedException(code, message, 0);
                }
                else if (now >= record.Expires || stream.Gone is not null)
                {
                    failed.Add((record, stream.Gone is { } g ? new UserRecordFailedException(g.ErrorCode, g.ErrorMessage, record.Attempts) : Expired(record)));
                }
                else
                {
                    var backoff = Math.Min(_options.MaxRetryDelay.Ticks, _options.RetryBaseDelay.Ticks << Math.Min(record.Attempts - 1, 20));
                    record.Due = Math.Min(now + backoff, record.Expires);
                    stream.Delayed.Add(record);
                    ScheduleAt(record.Due, now);
                    retries++;
                }
            }
            if (gone is not null) FailStream(stream, gone, failed);
            Release(stored.Select(s => s.Record).Concat(failed.Select(f => f.Record)));
        }

        if (stored.Count > 0) _metrics.UserRecordsPut.Add(stored.Count, tag);
        if (retries > 0) _metrics.Retries.Add(retries, tag);
        foreach (var (record, result) in stored)
        {
            record.Completion.TrySetResult(result);
        }
        Fail(failed);
        RequestPump();
    }

    /// <summary>The stream is gone: every record buffered for it fails with the error (under the lock).</summary>
    private void FailStream(StreamState stream, UserRecordFailedException error, List<(UserRecord, UserRecordFailedException)> failed)
    {
        stream.Gone ??= error;
        if (_streams.TryGetValue(stream.Name, out var current) && current == stream) _streams.Remove(stream.Name);
        failed.AddRange(stream.TakeAll().Select(r => (r, new UserRecordFailedException(error.ErrorCode, error.ErrorMessage, r.Attempts))));
    }

    private void Fail(List<(UserRecord Record, UserRecordFailedException Error)> failed)
    {
        if (failed.Count == 0) return;
        foreach (var group in failed.GroupBy(f => f.Record.Stream, StringComparer.Ordinal))
        {
            _metrics.Errors.Add(group.Count(), new KeyValuePair<string, object?>("stream", group.Key));
        }
        foreach (var (record, error) in failed)
        {
            record.Completion.TrySetException(error);
        }
    }

    /// <summary>Gives completed records' room back and admits waiting ones (under the lock).</summary>
    private void Release(IEnumerable<UserRecord> completed)
    {
        foreach (var record in completed)
        {
            _bufferedRecords--;
            _bufferedBytes -= record.Size;
        }
        while (_waiters.TryPeek(out var waiter))
        {
            if (waiter.Cancelled)
            {
                _waiters.Dequeue();
                continue;
            }
            if (!Fits(waiter.Record)) break;
            _waiters.Dequeue();
            Admit(waiter.Stream, waiter.Record);
            waiter.Admitted.TrySetResult();
        }
        if (_bufferedRecords == 0 && _waiters.Count == 0 && _drained is not null)
        {
            _drained.TrySetResult();
            _drained = null;
        }
    }

    private static UserRecordFailedException Expired(UserRecord record) =>
        new(ProducerErrors.Expired, record.Attempts == 0
            ? "Record has reached expiration before it was sent."
            : $"Record has reached expiration; last error {record.LastErrorCode}: {record.LastErrorMessage}", record.Attempts);

    /// <summary>Starts a ListShards of the stream unless one runs (under the lock).</summary>
    private Task StartRefresh(StreamState stream) => stream.Refresh ??= Task.Run(() => LoadMapAsync(stream));

    private Task RefreshAsync(StreamState stream, bool force)
    {
        lock (_lock)
        {
            return force || stream.Map is null ? StartRefresh(stream) : Task.CompletedTask;
        }
    }

    /// <summary>ListShards (AT_LATEST, every page) until it answers: the map is replaced; a final error fails the
    /// stream's records; other errors are retried after 1 s, growing ×1.5 to 30 s (the KPL's shard map backoff).</summary>
    private async Task LoadMapAsync(StreamState stream)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                List<Shard> shards = [];
                string? token = null;
                do
                {
                    var request = token is null
                        ? new ListShardsRequest { StreamName = stream.Name, ShardFilter = new ShardFilter { Type = "AT_LATEST" }, MaxResults = 1000 }
                        : new ListShardsRequest { NextToken = token };
                    var page = await _kinesis.ListShardsAsync(request, _disposing.Token).ConfigureAwait(false);
                    shards.AddRange(page.Shards ?? []);
                    token = page.NextToken;
                }
                while (token is not null);
                lock (_lock)
                {
                    stream.Map = new ShardMap(shards);
                    stream.Refresh = null;
                }
                RequestPump();
                return;
            }
            catch (EddyServiceException e) when (s_final.Contains(e.ErrorType))
            {
                List<(UserRecord, UserRecordFailedException)> failed = [];
                lock (_lock)
                {
                    stream.Refresh = null;
                    FailStream(stream, new UserRecordFailedException(e.ErrorType, e.ErrorMessage, 0), failed);
                    Release(failed.Select(f => f.Item1));
                }
                Fail(failed);
                return;
            }
            catch (Exception) when (!_disposing.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(delay, _time, _disposing.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                delay = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(30).Ticks, (long)(delay.Ticks * 1.5)));
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private sealed class Waiter(string stream, UserRecord record)
    {
        public string Stream { get; } = stream;
        public UserRecord Record { get; } = record;
        public TaskCompletionSource Admitted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool Cancelled { get; set; }
    }
}
