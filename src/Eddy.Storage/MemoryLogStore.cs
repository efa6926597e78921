using System.Collections.Concurrent;

namespace Eddy.Storage;

/// <summary>
/// In-memory twin of <see cref="FileLogStore"/>: same contract, nothing persisted. Passes the same contract tests.
/// </summary>
/// <remarks>
/// Records are grouped into virtual segments with the file store's exact accounting (a 20-byte header per segment,
/// 25 bytes of framing per record, a new segment when an append would push a non-empty segment past
/// <see cref="SegmentBytes"/>), so <see cref="IShardLog.TrimAsync"/> removes exactly the records the file store would
/// with the same <see cref="LogStoreOptions.SegmentBytes"/>. Lower <see cref="SegmentBytes"/> for finer-grained trimming
/// in tests. Appends are applied under a per-log lock and complete synchronously (the lock order is the arrival order).
/// </remarks>
public sealed class MemoryLogStore : ILogStore
{
    private readonly ConcurrentDictionary<string, MemoryShardLog> _logs = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly long _segmentBytes = 64L * 1024 * 1024;
    private int _disposed;

    public MemoryLogStore(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Virtual segment size, as <see cref="LogStoreOptions.SegmentBytes"/> (default 64 MiB).</summary>
    public long SegmentBytes
    {
        get => _segmentBytes;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _segmentBytes = value;
        }
    }

    /// <inheritdoc />
    public IShardLog Open(string logId)
    {
        LogId.Validate(logId);
        ThrowIfDisposed();
        return _logs.GetOrAdd(logId, static (id, store) => new MemoryShardLog(id, store._time, store._segmentBytes), this);
    }

    /// <inheritdoc />
    public ValueTask DeleteAsync(string logId)
    {
        LogId.Validate(logId);
        ThrowIfDisposed();
        if (_logs.TryRemove(logId, out MemoryShardLog? log))
        {
            log.Close();
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListLogs()
    {
        ThrowIfDisposed();
        var ids = new List<string>(_logs.Keys);
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            foreach (MemoryShardLog log in _logs.Values)
            {
                log.Close();
            }

            _logs.Clear();
        }

        return ValueTask.CompletedTask;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}

/// <summary>One log of a <see cref="MemoryLogStore"/>. All state is guarded by one lock; the getters are lock-free.</summary>
internal sealed class MemoryShardLog : IShardLog
{
    private readonly object _lock = new();
    private readonly TimeProvider _time;
    private readonly long _segmentBytes;
    private readonly DataSignal _signal = new();
    private readonly List<MemorySegment> _segments = [];
    private long _startOffset;
    private long _endOffset;
    private long _lastTimestampMs;
    private bool _closed;

    public MemoryShardLog(string id, TimeProvider time, long segmentBytes)
    {
        Id = id;
        _time = time;
        _segmentBytes = segmentBytes;
        _segments.Add(new MemorySegment(0));
    }

    public string Id { get; }

    public long StartOffset => Volatile.Read(ref _startOffset);

    public long EndOffset => Volatile.Read(ref _endOffset);

    public long LastTimestampMs => Volatile.Read(ref _lastTimestampMs);

    public ValueTask<AppendResult> AppendAsync(IReadOnlyList<ReadOnlyMemory<byte>> payloads, CancellationToken cancellationToken = default)
    {
        long bytes = AppendRequest.MeasureAndValidate(payloads);
        cancellationToken.ThrowIfCancellationRequested();

        // One copy of all payloads per append; records are slices of it.
        int count = payloads.Count;
        long total = bytes - ((long)count * SegmentFormat.FrameOverhead);
        byte[] copy = total == 0 ? [] : GC.AllocateUninitializedArray<byte>(checked((int)total));
        var slices = new ReadOnlyMemory<byte>[count];
        int at = 0;
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> payload = payloads[i].Span;
            payload.CopyTo(copy.AsSpan(at));
            slices[i] = copy.AsMemory(at, payload.Length);
            at += payload.Length;
        }

        AppendResult result;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            long timestampMs = Math.Max(_lastTimestampMs, _time.GetUtcNow().ToUnixTimeMilliseconds());
            MemorySegment active = _segments[^1];
            if (active.Bytes > SegmentFormat.HeaderSize && active.Bytes + bytes > _segmentBytes)
            {
                active = new MemorySegment(_endOffset);
                _segments.Add(active);
            }

            long first = _endOffset;
            for (int i = 0; i < count; i++)
            {
                active.Records.Add(new LogRecord(first + i, timestampMs, slices[i]));
            }

            active.Bytes += bytes;
            Volatile.Write(ref _lastTimestampMs, timestampMs);
            Volatile.Write(ref _endOffset, first + count);
            result = new AppendResult(first, timestampMs);
        }

        _signal.Set();
        return ValueTask.FromResult(result);
    }

    public ValueTask<LogReadResult> ReadAsync(long fromOffset, int maxRecords, long maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fromOffset);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecords, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            long from = Math.Max(fromOffset, _startOffset);
            if (from >= _endOffset)
            {
                return ValueTask.FromResult(new LogReadResult([], from));
            }

            var records = new List<LogRecord>((int)Math.Min(maxRecords, Math.Min(_endOffset - from, 1024)));
            long bytes = 0;
            int si = FindSegment(from);
            for (; si < _segments.Count; si++)
            {
                List<LogRecord> segmentRecords = _segments[si].Records;
                long baseOffset = _segments[si].BaseOffset;
                for (int i = (int)Math.Max(0, from - baseOffset); i < segmentRecords.Count; i++)
                {
                    LogRecord record = segmentRecords[i];
                    if (records.Count >= maxRecords || (records.Count > 0 && bytes + record.Payload.Length > maxBytes))
                    {
                        return ValueTask.FromResult(new LogReadResult(records, records[^1].Offset + 1));
                    }

                    records.Add(record);
                    bytes += record.Payload.Length;
                }
            }

            return ValueTask.FromResult(new LogReadResult(records, records[^1].Offset + 1));
        }
    }

    public long FindOffsetByTimestamp(long timestampMs)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            foreach (MemorySegment segment in _segments)
            {
                List<LogRecord> records = segment.Records;
                if (records.Count == 0 || records[^1].TimestampMs < timestampMs)
                {
                    continue;
                }

                int lo = 0, hi = records.Count - 1;
                while (lo < hi)
                {
                    int mid = (lo + hi) >>> 1;
                    if (records[mid].TimestampMs >= timestampMs)
                    {
                        hi = mid;
                    }
                    else
                    {
                        lo = mid + 1;
                    }
                }

                return records[lo].Offset;
            }

            return _endOffset;
        }
    }

    public ValueTask TrimAsync(long olderThanMs, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            int k = 0;
            while (k < _segments.Count - 1 && _segments[k].LastTimestampMs < olderThanMs)
            {
                k++;
            }

            if (k > 0)
            {
                _segments.RemoveRange(0, k);
                Volatile.Write(ref _startOffset, _segments[0].BaseOffset);
            }
        }

        return ValueTask.CompletedTask;
    }

    public Task WaitForDataAsync(long offset, CancellationToken cancellationToken) =>
        _signal.WaitAsync(() => offset < EndOffset, cancellationToken);

    internal void Close()
    {
        lock (_lock)
        {
            _closed = true;
        }

        _signal.Fail(new ObjectDisposedException(nameof(MemoryShardLog), $"Log '{Id}' is closed."));
    }

    private int FindSegment(long offset)
    {
        int lo = 0, hi = _segments.Count - 1, found = 0;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_segments[mid].BaseOffset <= offset)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found;
    }

    private sealed class MemorySegment(long baseOffset)
    {
        public long BaseOffset { get; } = baseOffset;

        public List<LogRecord> Records { get; } = [];

        /// <summary>Size the segment would have on disk: header plus frames.</summary>
        public long Bytes { get; set; } = SegmentFormat.HeaderSize;

        public long LastTimestampMs => Records.Count == 0 ? 0 : Records[^1].TimestampMs;
    }
}
