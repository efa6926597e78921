using System.Buffers;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace Eddy.Storage;

/// <summary>
/// An <see cref="IShardLog"/> stored as segment files in one directory (format: <see cref="SegmentFormat"/> and
/// docs/formats/segment-log.md). Obtained from <see cref="FileLogStore.Open"/>.
/// </summary>
/// <remarks>
/// <para>Threading contract.</para>
/// <list type="bullet">
/// <item><b>Appends.</b> <see cref="AppendAsync"/> validates on the caller's thread and enqueues one request on an
/// unbounded single-reader channel. One writer task per log drains every request waiting (up to ~8 MiB) into a group,
/// stamps the whole group with <c>max(previous timestamp, Options.Time now)</c>, encodes all frames into one pooled
/// buffer, writes them with one positional write (two when the group crosses a segment roll), fsyncs per
/// <see cref="FsyncPolicy"/>, then publishes and completes the requests (continuations run on the thread pool, never on
/// the writer). The writer owns the active segment's file position, the next offset and the index cursor; nobody else
/// writes to a segment file.</item>
/// <item><b>Publication.</b> After a successful write the writer, under the metadata lock, adds the new index entries,
/// advances the active segment's visible length / end offset / last timestamp, and then the log-level
/// <see cref="EndOffset"/> and <see cref="LastTimestampMs"/> (volatile). Waiters are woken after that. A reader never sees
/// a byte that is not both written (and fsynced under <see cref="FsyncPolicy.Always"/>) and published.</item>
/// <item><b>Reads.</b> <see cref="ReadAsync"/> and <see cref="FindOffsetByTimestamp"/> take the metadata lock only to
/// snapshot the segment list (copy-on-write array), an index entry and a segment's visible length, then read with
/// <see cref="RandomAccess.Read(SafeFileHandle, Span{byte}, long)"/> (pread) without any lock. Reads run on the caller's
/// thread and complete synchronously.</item>
/// <item><b>Trim.</b> <see cref="TrimAsync"/> swaps the segment list under the metadata lock and then closes and deletes the
/// removed files. A reader racing with it either holds the handle (the close is deferred by the SafeHandle reference
/// count) or finds it closed and retries from the new <see cref="StartOffset"/>.</item>
/// <item><b>Closing</b> (by the store, on delete or dispose): stops accepting appends, lets the writer finish every queued append, fsyncs,
/// closes the files and fails pending <see cref="WaitForDataAsync"/> calls with <see cref="ObjectDisposedException"/>.</item>
/// </list>
/// <para>Durability: an append completes only after its write returned (and, under <see cref="FsyncPolicy.Always"/>, after
/// fsync), so a kill -9 never loses an acknowledged record. A crash may leave a torn tail of unacknowledged frames;
/// opening the log truncates the active segment at the first invalid frame (<see cref="RecoveryTruncatedBytes"/>).</para>
/// </remarks>
public sealed class FileShardLog : IShardLog
{
    private const long MaxGroupBytes = 8L * 1024 * 1024;

    // Group buffers come from one bounded pool shared by every log: ArrayPool.Shared would keep a multi-megabyte
    // buffer cached on each thread-pool thread a writer ever ran on.
    private static readonly ArrayPool<byte> s_groupBuffers = ArrayPool<byte>.Create(16 * 1024 * 1024, 16);

    // Read buffers: a read's frames are read into one of these, which the result keeps until the caller disposes it.
    private static readonly ArrayPool<byte> s_readBuffers = ArrayPool<byte>.Create(32 * 1024 * 1024, 8);
    private const int ScanBufferBytes = 1024 * 1024;
    private const int MaxReadRetries = 16;

    private readonly LogStoreOptions _options;
    private readonly string _directory;
    private readonly object _meta = new();
    private readonly Channel<AppendRequest> _queue;
    private readonly DataSignal _signal = new();
    private readonly List<AppendRequest> _group = [];
    private readonly List<IndexEntry> _pendingEntries = [];
    private readonly Task _writer;

    private Segment[] _segments;          // copy-on-write; replaced under _meta
    private Segment _active;              // == _segments[^1]; replaced by the writer under _meta
    private long _startOffset;
    private long _endOffset;
    private long _lastTimestampMs;

    // Writer-private state.
    private long _nextOffset;
    private long _writerLastTimestampMs;

    private int _dirty;                   // FsyncPolicy.Interval: written since the last fsync
    private Exception? _fault;            // set when a failed write could not be rolled back
    private int _disposeState;            // 0 open, 1 disposing or disposed
    private int _closed;                  // 1 once file handles are closed

    private FileShardLog(string directory, string id, LogStoreOptions options)
    {
        _directory = directory;
        _options = options;
        Id = id;
        (List<Segment> segments, long truncated) = Recover();
        _segments = [.. segments];
        _active = _segments[^1];
        RecoveryTruncatedBytes = truncated;
        _startOffset = _segments[0].BaseOffset;
        _endOffset = _active.EndOffset;
        _nextOffset = _endOffset;
        for (int i = _segments.Length - 1; i >= 0; i--)
        {
            if (!_segments[i].IsEmpty)
            {
                _lastTimestampMs = _segments[i].LastTimestampMs;
                break;
            }
        }

        _writerLastTimestampMs = _lastTimestampMs;
        _queue = Channel.CreateUnbounded<AppendRequest>(new UnboundedChannelOptions { SingleReader = true });
        _writer = Task.Run(WriterLoopAsync);
    }

    public string Id { get; }

    public long StartOffset => Volatile.Read(ref _startOffset);

    public long EndOffset => Volatile.Read(ref _endOffset);

    public long LastTimestampMs => Volatile.Read(ref _lastTimestampMs);

    /// <summary>Bytes cut off or dropped while opening the log (torn or corrupt tail, unusable segments). 0 after a clean shutdown.</summary>
    public long RecoveryTruncatedBytes { get; }

    /// <summary>Number of segment files currently holding the log.</summary>
    public int SegmentCount => Volatile.Read(ref _segments).Length;

    private bool IsDisposed => Volatile.Read(ref _disposeState) != 0;

    internal static FileShardLog Open(string directory, string id, LogStoreOptions options) => new(directory, id, options);

    /// <inheritdoc />
    public ValueTask<AppendResult> AppendAsync(IReadOnlyList<ReadOnlyMemory<byte>> payloads, CancellationToken cancellationToken = default)
    {
        long bytes = AppendRequest.MeasureAndValidate(payloads);
        cancellationToken.ThrowIfCancellationRequested();
        if (Volatile.Read(ref _fault) is { } fault)
        {
            throw new IOException($"Log '{Id}' failed an earlier write and cannot roll it back; reopen the store.", fault);
        }

        var request = new AppendRequest(payloads, bytes);
        if (IsDisposed || !_queue.Writer.TryWrite(request))
        {
            throw new ObjectDisposedException(nameof(FileShardLog), $"Log '{Id}' is closed.");
        }

        return request.Task;
    }

    /// <inheritdoc />
    public ValueTask<LogReadResult> ReadAsync(long fromOffset, int maxRecords, long maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fromOffset);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecords, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        cancellationToken.ThrowIfCancellationRequested();
        for (int attempt = 0; ; attempt++)
        {
            ThrowIfDisposed();
            try
            {
                return new ValueTask<LogReadResult>(ReadCore(fromOffset, maxRecords, maxBytes));
            }
            catch (ObjectDisposedException) when (!IsDisposed && attempt < MaxReadRetries)
            {
                // A trimmed segment was closed under the read: retry with the new segment list.
            }
        }
    }

    /// <inheritdoc />
    public long FindOffsetByTimestamp(long timestampMs)
    {
        for (int attempt = 0; ; attempt++)
        {
            ThrowIfDisposed();
            try
            {
                return FindOffsetByTimestampCore(timestampMs);
            }
            catch (ObjectDisposedException) when (!IsDisposed && attempt < MaxReadRetries)
            {
                // As in ReadAsync.
            }
        }
    }

    /// <inheritdoc />
    public ValueTask TrimAsync(long olderThanMs, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        Segment[] removed;
        lock (_meta)
        {
            Segment[] segments = _segments;
            int k = 0;
            while (k < segments.Length - 1 && segments[k].LastTimestampMs < olderThanMs)
            {
                k++;
            }

            if (k == 0)
            {
                return ValueTask.CompletedTask;
            }

            removed = segments[..k];
            Volatile.Write(ref _segments, segments[k..]);
            Volatile.Write(ref _startOffset, segments[k].BaseOffset);
        }

        foreach (Segment segment in removed)
        {
            segment.Handle.Dispose();
            File.Delete(segment.LogPath);
            File.Delete(segment.IndexPath);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public Task WaitForDataAsync(long offset, CancellationToken cancellationToken) =>
        _signal.WaitAsync(() => offset < EndOffset, cancellationToken);

    /// <summary>Finishes queued appends, fsyncs and closes the files. Called by the store (Delete / Dispose).</summary>
    internal async ValueTask CloseAsync()
    {
        if (Interlocked.Exchange(ref _disposeState, 1) != 0)
        {
            await _writer.ConfigureAwait(false);
            return;
        }

        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        lock (_meta)
        {
            Volatile.Write(ref _closed, 1);
            try
            {
                RandomAccess.FlushToDisk(_active.Handle);

                // Clean shutdown: index the active segment too, so the next open need not scan it. Written after the
                // fsync, and deleted again when the log is next opened (so after a crash the active segment has none).
                if (!_active.IsEmpty && Volatile.Read(ref _fault) is null)
                {
                    WriteIndexFile(_active);
                }
            }
            catch (IOException)
            {
                // Nothing to report it to; the data was written (kill -9 safe) but may not be on the platter.
            }

            foreach (Segment segment in _segments)
            {
                segment.Handle.Dispose();
            }
        }

        _signal.Fail(new ObjectDisposedException(nameof(FileShardLog), $"Log '{Id}' is closed."));
    }

    /// <summary>Background fsync for <see cref="FsyncPolicy.Interval"/>: fsyncs the active segment if written since the last call.</summary>
    internal void FlushIfDirty()
    {
        if (Volatile.Read(ref _closed) != 0 || Interlocked.Exchange(ref _dirty, 0) == 0)
        {
            return;
        }

        try
        {
            RandomAccess.FlushToDisk(Volatile.Read(ref _active).Handle);
        }
        catch (ObjectDisposedException)
        {
            // Closed concurrently; CloseAsync does the final fsync.
        }
        catch (IOException)
        {
            Volatile.Write(ref _dirty, 1); // try again next tick
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    // ------------------------------------------------------------------ reads

    private LogReadResult ReadCore(long fromOffset, int maxRecords, long maxBytes)
    {
        // Read the end before the segment list: a segment is added to the list before any of its records is published.
        long end = Volatile.Read(ref _endOffset);
        Segment[] segments = Volatile.Read(ref _segments);
        long from = Math.Max(fromOffset, segments[0].BaseOffset);
        if (from >= end)
        {
            return new LogReadResult([], from);
        }

        var records = new List<LogRecord>((int)Math.Min(maxRecords, Math.Min(end - from, 1024)));
        var pending = new List<(long Offset, long TimestampMs, int Index, int Length)>();
        byte[]? lease = null;
        FrameReader? reader = null;
        try
        {
            long expected = from;
            long bytes = 0;
            for (int si = FindSegment(segments, from); si < segments.Length; si++)
            {
                Segment segment = segments[si];
                long visibleLength, segmentEnd;
                IndexEntry entry;
                lock (_meta)
                {
                    visibleLength = segment.VisibleLength;
                    segmentEnd = segment.EndOffset;
                    if (expected >= segmentEnd)
                    {
                        continue;
                    }

                    entry = segment.FindByOffset(expected);
                }

                // One buffer for the whole read, also when it crosses into the next segment: it is sized for the whole
                // read unless this is the last segment, and later segments' frames go after the first ones.
                bool first = reader is null;
                if (reader is null)
                {
                    long records0 = Math.Max(1, segmentEnd - segment.BaseOffset);
                    long averageFrame = Math.Max(SegmentFormat.FrameOverhead, (visibleLength - SegmentFormat.HeaderSize) / records0);
                    long wanted = _options.IndexIntervalBytes + averageFrame
                        + Math.Min(maxRecords * averageFrame, maxBytes + ((long)maxRecords * SegmentFormat.FrameOverhead));
                    wanted = Math.Clamp(wanted, 4096, 32L * 1024 * 1024);
                    if (si == segments.Length - 1)
                    {
                        wanted = Math.Min(wanted, Math.Max(visibleLength - entry.Position, SegmentFormat.FrameOverhead));
                    }

                    reader = new FrameReader((int)wanted, s_readBuffers);
                }

                if (first)
                {
                    reader.Reset(segment.Handle, entry.Position, visibleLength);
                }
                else
                {
                    reader.Continue(segment.Handle, entry.Position, visibleLength);
                }

                bool stop = false;
                while (true)
                {
                    FrameStatus status = reader.Next();
                    if (status == FrameStatus.End)
                    {
                        break;
                    }

                    if (status != FrameStatus.Ok)
                    {
                        throw Corrupt(segment, reader.Position, status.ToString());
                    }

                    if (reader.Offset < expected)
                    {
                        continue;
                    }

                    if (reader.Offset != expected)
                    {
                        throw Corrupt(segment, reader.FramePosition, $"offset {reader.Offset} where {expected} was expected");
                    }

                    int length = reader.PayloadLength;
                    if (pending.Count > 0 && bytes + length > maxBytes)
                    {
                        stop = true;
                        break;
                    }

                    reader.Retain();
                    pending.Add((reader.Offset, reader.TimestampMs, reader.PayloadIndex, length));
                    bytes += length;
                    expected++;
                    if (pending.Count >= maxRecords)
                    {
                        stop = true;
                        break;
                    }
                }

                if (stop)
                {
                    break;
                }
            }

            // The reader's buffer holds the retained frames: it becomes the result's (no second copy), and the
            // records are slices of it. It goes back to the pool when the result is disposed.
            if (pending.Count > 0)
            {
                lease = reader!.DetachBuffer();
                foreach (var p in pending)
                {
                    records.Add(new LogRecord(p.Offset, p.TimestampMs, lease.AsMemory(p.Index, p.Length)));
                }
            }

            byte[]? held = lease;
            var result = new LogReadResult(records, records.Count > 0 ? records[^1].Offset + 1 : from, held is null ? null : () => s_readBuffers.Return(held));
            lease = null;
            return result;
        }
        finally
        {
            reader?.Dispose();
            if (lease is not null)
            {
                s_readBuffers.Return(lease);
            }
        }
    }

    private long FindOffsetByTimestampCore(long timestampMs)
    {
        Segment segment;
        long scanFrom, scanTo, fallback;
        lock (_meta)
        {
            Segment[] segments = _segments;
            int i = 0;
            while (i < segments.Length && (segments[i].IsEmpty || segments[i].LastTimestampMs < timestampMs))
            {
                i++;
            }

            if (i == segments.Length)
            {
                return Volatile.Read(ref _endOffset);
            }

            segment = segments[i];
            if (segment.FindLastBefore(timestampMs, out IndexEntry before, out IndexEntry? next) < 0)
            {
                return segment.BaseOffset;
            }

            scanFrom = before.Position;
            scanTo = next?.Position ?? segment.VisibleLength;
            fallback = next is { } n ? segment.BaseOffset + n.RelOffset : segment.EndOffset;
        }

        using var reader = new FrameReader((int)Math.Min(scanTo - scanFrom, 1024 * 1024));
        reader.Reset(segment.Handle, scanFrom, scanTo);
        while (true)
        {
            FrameStatus status = reader.Next();
            if (status == FrameStatus.End)
            {
                return fallback;
            }

            if (status != FrameStatus.Ok)
            {
                throw Corrupt(segment, reader.Position, status.ToString());
            }

            if (reader.TimestampMs >= timestampMs)
            {
                return reader.Offset;
            }
        }
    }

    /// <summary>Index of the last segment whose base offset is &lt;= <paramref name="offset"/> (0 if none).</summary>
    private static int FindSegment(Segment[] segments, long offset)
    {
        int lo = 0, hi = segments.Length - 1, found = 0;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (segments[mid].BaseOffset <= offset)
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

    private InvalidDataException Corrupt(Segment segment, long position, string what)
        => new($"Log '{Id}': corrupt frame in {segment.LogPath} at position {position}: {what}.");

    // ------------------------------------------------------------------ writer

    private async Task WriterLoopAsync()
    {
        ChannelReader<AppendRequest> queue = _queue.Reader;
        while (await queue.WaitToReadAsync().ConfigureAwait(false))
        {
            _group.Clear();
            long bytes = 0;
            while (bytes < MaxGroupBytes && queue.TryRead(out AppendRequest? request))
            {
                _group.Add(request);
                bytes += request.EncodedBytes;
            }

            if (_group.Count == 0)
            {
                continue;
            }

            if (Volatile.Read(ref _fault) is { } fault)
            {
                var error = new IOException($"Log '{Id}' failed an earlier write and cannot roll it back; reopen the store.", fault);
                foreach (AppendRequest request in _group)
                {
                    request.Fail(error);
                }

                continue;
            }

            CommitGroup(_group);
        }
    }

    /// <summary>Writes a group of appends; completes or fails every request in it. Never throws.</summary>
    private void CommitGroup(List<AppendRequest> group)
    {
        int done = 0;
        try
        {
            long now = _options.Time.GetUtcNow().ToUnixTimeMilliseconds();
            long timestampMs = Math.Max(_writerLastTimestampMs, now);
            while (done < group.Count)
            {
                // The longest run of requests that fits the active segment; a request never spans two segments.
                long size = _active.WrittenLength;
                long chunk = 0;
                int end = done;
                while (end < group.Count)
                {
                    long requestBytes = group[end].EncodedBytes;
                    if (size + chunk > SegmentFormat.HeaderSize && size + chunk + requestBytes > _options.SegmentBytes)
                    {
                        break;
                    }

                    chunk += requestBytes;
                    end++;
                }

                if (end == done)
                {
                    Roll();
                    continue;
                }

                WriteChunk(group, done, end, (int)chunk, timestampMs);
                done = end;
            }
        }
        catch (Exception e)
        {
            for (int i = done; i < group.Count; i++)
            {
                group[i].Fail(e);
            }
        }
    }

    /// <summary>Encodes requests [<paramref name="from"/>, <paramref name="to"/>) into one buffer, writes, fsyncs, publishes, completes.</summary>
    private void WriteChunk(List<AppendRequest> group, int from, int to, int chunkBytes, long timestampMs)
    {
        Segment segment = _active;
        long writeAt = segment.WrittenLength;
        long offset = _nextOffset;
        long lastIndexed = segment.LastIndexedPosition;
        int interval = _options.IndexIntervalBytes;
        _pendingEntries.Clear();
        byte[] buffer = s_groupBuffers.Rent(chunkBytes);
        try
        {
            int written = 0;
            for (int r = from; r < to; r++)
            {
                AppendRequest request = group[r];
                IReadOnlyList<ReadOnlyMemory<byte>> payloads = request.Payloads;
                int count = request.RecordCount;
                for (int k = 0; k < count; k++)
                {
                    long framePosition = writeAt + written;
                    if (lastIndexed < 0 || framePosition - lastIndexed >= interval)
                    {
                        _pendingEntries.Add(new IndexEntry((uint)(offset - segment.BaseOffset), (uint)framePosition, timestampMs));
                        lastIndexed = framePosition;
                    }

                    written += SegmentFormat.WriteFrame(buffer.AsSpan(written), offset, timestampMs, payloads[k].Span);
                    offset++;
                }
            }

            RandomAccess.Write(segment.Handle, buffer.AsSpan(0, written), writeAt);
            if (_options.Fsync == FsyncPolicy.Always)
            {
                RandomAccess.FlushToDisk(segment.Handle);
            }
            else
            {
                Volatile.Write(ref _dirty, 1);
            }

            segment.WrittenLength = writeAt + written;
        }
        catch
        {
            // Undo a partial write so the file ends on a frame boundary; if that fails the log cannot take more appends.
            try
            {
                RandomAccess.SetLength(segment.Handle, writeAt);
            }
            catch (Exception rollback)
            {
                Volatile.Write(ref _fault, rollback);
            }

            throw;
        }
        finally
        {
            s_groupBuffers.Return(buffer);
        }

        segment.LastIndexedPosition = lastIndexed;
        long firstOffset = _nextOffset;
        _nextOffset = offset;
        _writerLastTimestampMs = timestampMs;

        lock (_meta)
        {
            foreach (IndexEntry entry in _pendingEntries)
            {
                segment.AddEntry(entry);
            }

            if (segment.IsEmpty)
            {
                segment.FirstTimestampMs = timestampMs;
            }

            segment.VisibleLength = segment.WrittenLength;
            segment.EndOffset = offset;
            segment.LastTimestampMs = timestampMs;
            Volatile.Write(ref _lastTimestampMs, timestampMs);
            Volatile.Write(ref _endOffset, offset);
        }

        _signal.Set();
        for (int r = from; r < to; r++)
        {
            group[r].Complete(new AppendResult(firstOffset, timestampMs));
            firstOffset += group[r].RecordCount;
        }
    }

    /// <summary>Seals the active segment (fsync + .idx) and starts a new one at the next offset.</summary>
    private void Roll()
    {
        Segment old = _active;
        RandomAccess.FlushToDisk(old.Handle);
        lock (_meta)
        {
            old.TrimExcess();
        }

        WriteIndexFile(old);
        Segment next;
        try
        {
            next = CreateSegment(old.EndOffset);
        }
        catch
        {
            TryDelete(old.IndexPath); // the old segment stays active, so its index file would go stale
            throw;
        }

        lock (_meta)
        {
            Volatile.Write(ref _segments, [.. _segments, next]);
            Volatile.Write(ref _active, next);
        }
    }

    private static void WriteIndexFile(Segment segment)
    {
        try
        {
            File.WriteAllBytes(segment.IndexPath, segment.EncodeIndex());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The index is an optimisation: without it, opening the log rebuilds it by scanning.
            TryDelete(segment.IndexPath);
        }
    }

    private Segment CreateSegment(long baseOffset)
    {
        string path = Path.Combine(_directory, SegmentFormat.SegmentFileName(baseOffset));
        SafeFileHandle handle = OpenSegmentHandle(path, FileMode.Create);
        try
        {
            Span<byte> header = stackalloc byte[SegmentFormat.HeaderSize];
            SegmentFormat.WriteHeader(header, baseOffset);
            RandomAccess.Write(handle, header, 0);
            RandomAccess.FlushToDisk(handle);
            DirectorySync.Flush(_directory);
            return new Segment(_directory, baseOffset, handle, []);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static SafeFileHandle OpenSegmentHandle(string path, FileMode mode)
        => File.OpenHandle(path, mode, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort.
        }
    }

    // ------------------------------------------------------------------ recovery

    /// <summary>
    /// Opens every segment: sealed ones through their .idx (scanned and re-indexed when it is missing, stale or corrupt),
    /// the last one by scanning it frame by frame and truncating at the first bad frame, unless a clean shutdown left a
    /// valid .idx for it (it covers exactly the file's length; the file was fsynced before it was written). A sealed segment that turns out
    /// corrupt, or a gap between segments, ends the log there (later segments are deleted): the log is always the longest
    /// valid prefix.
    /// </summary>
    private (List<Segment> Segments, long TruncatedBytes) Recover()
    {
        if (!Directory.Exists(_directory))
        {
            Directory.CreateDirectory(_directory);
            DirectorySync.Flush(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(_directory)) ?? _directory);
        }

        var bases = new List<long>();
        var indexFiles = new List<long>();
        foreach (string path in Directory.EnumerateFiles(_directory))
        {
            string name = Path.GetFileName(path);
            if (SegmentFormat.TryParseFileName(name, ".log", out long b))
            {
                bases.Add(b);
            }
            else if (SegmentFormat.TryParseFileName(name, ".idx", out b))
            {
                indexFiles.Add(b);
            }
        }

        bases.Sort();
        foreach (long b in indexFiles)
        {
            if (bases.BinarySearch(b) < 0)
            {
                TryDelete(Path.Combine(_directory, SegmentFormat.IndexFileName(b)));
            }
        }

        var segments = new List<Segment>();
        long truncated = 0;
        try
        {
            for (int i = 0; i < bases.Count; i++)
            {
                long baseOffset = bases[i];
                bool isLast = i == bases.Count - 1;
                if (segments.Count > 0 && segments[^1].EndOffset != baseOffset)
                {
                    truncated += DropSegments(bases, i); // gap or overlap
                    break;
                }

                SafeFileHandle handle = OpenSegmentHandle(Path.Combine(_directory, SegmentFormat.SegmentFileName(baseOffset)), FileMode.Open);
                var segment = new Segment(_directory, baseOffset, handle, []);
                long fileLength = RandomAccess.GetLength(handle);
                if (TryLoadIndexFile(segment, fileLength))
                {
                    segments.Add(segment);
                    continue;
                }

                long validLength = Scan(segment, fileLength);
                if (validLength < 0)
                {
                    // Bad header.
                    if (!isLast)
                    {
                        handle.Dispose();
                        truncated += DropSegments(bases, i);
                        break;
                    }

                    truncated += fileLength;
                    RandomAccess.SetLength(handle, 0);
                    Span<byte> header = stackalloc byte[SegmentFormat.HeaderSize];
                    SegmentFormat.WriteHeader(header, baseOffset);
                    RandomAccess.Write(handle, header, 0);
                    RandomAccess.FlushToDisk(handle);
                    segment = new Segment(_directory, baseOffset, handle, []);
                    segments.Add(segment);
                    break;
                }

                segments.Add(segment);
                if (validLength < fileLength)
                {
                    truncated += fileLength - validLength;
                    RandomAccess.SetLength(handle, validLength);
                    RandomAccess.FlushToDisk(handle);
                    if (!isLast)
                    {
                        truncated += DropSegments(bases, i + 1);
                        break;
                    }
                }
                else if (!isLast)
                {
                    WriteIndexFile(segment);
                }
            }

            if (segments.Count == 0)
            {
                segments.Add(CreateSegment(bases.Count > 0 ? bases[0] : 0));
            }

            // The last segment is the active one: its index lives in memory only until it is sealed.
            TryDelete(segments[^1].IndexPath);
            return (segments, truncated);
        }
        catch
        {
            foreach (Segment segment in segments)
            {
                segment.Handle.Dispose();
            }

            throw;
        }
    }

    /// <summary>Deletes the segments <c>bases[from..]</c> and their index files; returns their total size.</summary>
    private long DropSegments(List<long> bases, int from)
    {
        long bytes = 0;
        for (int i = from; i < bases.Count; i++)
        {
            string path = Path.Combine(_directory, SegmentFormat.SegmentFileName(bases[i]));
            bytes += new FileInfo(path).Length;
            File.Delete(path);
            TryDelete(Path.Combine(_directory, SegmentFormat.IndexFileName(bases[i])));
        }

        bases.RemoveRange(from, bases.Count - from);
        return bytes;
    }

    private static bool TryLoadIndexFile(Segment segment, long fileLength)
    {
        byte[] bytes;
        try
        {
            if (!File.Exists(segment.IndexPath))
            {
                return false;
            }

            bytes = File.ReadAllBytes(segment.IndexPath);
        }
        catch (IOException)
        {
            return false;
        }

        if (!segment.TryLoadIndex(bytes, fileLength))
        {
            return false;
        }

        Span<byte> header = stackalloc byte[SegmentFormat.HeaderSize];
        return RandomAccess.Read(segment.Handle, header, 0) == SegmentFormat.HeaderSize
               && SegmentFormat.IsValidHeader(header, segment.BaseOffset);
    }

    /// <summary>
    /// Scans a segment, rebuilding its index and state. Returns the length of its valid prefix (header plus the frames
    /// up to the first bad, torn or out-of-sequence one), or -1 when the header itself is bad.
    /// </summary>
    private long Scan(Segment segment, long fileLength)
    {
        Span<byte> header = stackalloc byte[SegmentFormat.HeaderSize];
        if (fileLength < SegmentFormat.HeaderSize
            || RandomAccess.Read(segment.Handle, header, 0) != SegmentFormat.HeaderSize
            || !SegmentFormat.IsValidHeader(header, segment.BaseOffset))
        {
            return -1;
        }

        using var reader = new FrameReader((int)Math.Min(ScanBufferBytes, Math.Max(fileLength - SegmentFormat.HeaderSize, 0)));
        reader.Reset(segment.Handle, SegmentFormat.HeaderSize, fileLength);
        long expected = segment.BaseOffset;
        long validEnd = SegmentFormat.HeaderSize;
        long lastIndexed = -1;
        long firstTimestamp = 0, lastTimestamp = 0;
        int interval = _options.IndexIntervalBytes;
        while (reader.Next() == FrameStatus.Ok && reader.Offset == expected)
        {
            long position = reader.FramePosition;
            if (lastIndexed < 0 || position - lastIndexed >= interval)
            {
                segment.AddEntry(new IndexEntry((uint)(expected - segment.BaseOffset), (uint)position, reader.TimestampMs));
                lastIndexed = position;
            }

            if (expected == segment.BaseOffset)
            {
                firstTimestamp = reader.TimestampMs;
            }

            lastTimestamp = reader.TimestampMs;
            expected++;
            validEnd = reader.Position;
        }

        segment.VisibleLength = validEnd;
        segment.WrittenLength = validEnd;
        segment.EndOffset = expected;
        segment.FirstTimestampMs = firstTimestamp;
        segment.LastTimestampMs = lastTimestamp;
        segment.LastIndexedPosition = lastIndexed;
        return validEnd;
    }
}
