using System.Collections.Concurrent;

namespace Eddy.Storage;

/// <summary>
/// <see cref="ILogStore"/> on the local file system: one directory per log under <see cref="LogStoreOptions.Directory"/>,
/// holding segment files (see <see cref="FileShardLog"/> and docs/formats/segment-log.md).
/// </summary>
/// <remarks>
/// Thread-safe. <see cref="Open"/> of a log that is not open yet runs its recovery synchronously (scan of the active
/// segment; sealed segments are loaded from their index files) under a lock that is only ever held around synchronous
/// work (opening, and the start and end of a delete), so no caller waits on asynchronous work: a delete closes its log
/// outside it, and while it does, <see cref="Open"/> of that id throws <see cref="InvalidOperationException"/>. Deleting renames the directory to a tombstone first, so a
/// crash mid-delete never leaves a half-deleted log visible; leftover tombstones are removed when a store opens.
/// Under <see cref="FsyncPolicy.Interval"/> one background loop fsyncs every written log each
/// <see cref="LogStoreOptions.FsyncInterval"/> (timer from <see cref="LogStoreOptions.Time"/>).
/// </remarks>
public sealed class FileLogStore : ILogStore
{
    /// <summary>Largest accepted <see cref="LogStoreOptions.SegmentBytes"/> (index entries store 32-bit positions).</summary>
    public const long MaxSegmentBytes = 1L << 30;

    private const string TombstonePrefix = "~deleted~";

    private readonly ConcurrentDictionary<string, FileShardLog> _logs = new(StringComparer.Ordinal);

    // Guards opening a log (its recovery included), the start and the end of a delete, and disposal's snapshot. Held
    // only around synchronous work, never across an await: no thread ever blocks on asynchronous work behind it.
    private readonly Lock _gate = new();

    // Deletes in progress by log id (guarded by _gate): a second DeleteAsync of the id shares the first; Open refuses it.
    private readonly Dictionary<string, Task> _deleting = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _flusher;
    private int _disposed;

    public FileLogStore(LogStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Directory, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SegmentBytes, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.SegmentBytes, MaxSegmentBytes, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.IndexIntervalBytes, 1, nameof(options));
        ArgumentNullException.ThrowIfNull(options.Time, nameof(options));
        if (options.Fsync == FsyncPolicy.Interval)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.FsyncInterval, TimeSpan.Zero, nameof(options));
        }

        Options = options;
        Directory.CreateDirectory(options.Directory);
        PurgeTombstones();
        _flusher = options.Fsync == FsyncPolicy.Interval ? Task.Run(FlushLoopAsync) : Task.CompletedTask;
    }

    public LogStoreOptions Options { get; }

    /// <inheritdoc />
    public IShardLog Open(string logId)
    {
        LogId.Validate(logId);
        ThrowIfDisposed();
        if (_logs.TryGetValue(logId, out FileShardLog? log))
        {
            return log;
        }

        lock (_gate)
        {
            ThrowIfDisposed();
            if (_logs.TryGetValue(logId, out log))
            {
                return log;
            }

            if (_deleting.ContainsKey(logId))
            {
                throw new InvalidOperationException($"Log {logId} is being deleted; it can be opened again once DeleteAsync has completed.");
            }

            log = FileShardLog.Open(Path.Combine(Options.Directory, logId), logId, Options);
            _logs[logId] = log;
            if (log.RecoveryTruncatedBytes > 0) StorageLog.TruncatedOnOpen(Options.Logger, logId, log.RecoveryTruncatedBytes, log.EndOffset);
            return log;
        }
    }

    /// <inheritdoc />
    public async ValueTask DeleteAsync(string logId)
    {
        LogId.Validate(logId);
        TaskCompletionSource? done;
        Task? running;
        FileShardLog? log;
        lock (_gate)
        {
            ThrowIfDisposed();
            if (_deleting.TryGetValue(logId, out running))
            {
                log = null;
                done = null;
            }
            else
            {
                done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                running = done.Task;
                _deleting.Add(logId, running);
                _logs.TryRemove(logId, out log);
            }
        }

        if (done is not null)
        {
            _ = DeleteClosedAsync(logId, log, done);
        }

        await running.ConfigureAwait(false);
    }

    /// <summary>Closes <paramref name="log"/> (its queued appends finish), then removes the directory through a tombstone.
    /// The id leaves <see cref="_deleting"/> before <paramref name="done"/> completes, so an Open after the delete works.</summary>
    private async Task DeleteClosedAsync(string logId, FileShardLog? log, TaskCompletionSource done)
    {
        Exception? failure = null;
        try
        {
            if (log is not null)
            {
                await log.CloseAsync().ConfigureAwait(false);
            }

            string path = Path.Combine(Options.Directory, logId);
            if (Directory.Exists(path))
            {
                string tombstone = Path.Combine(Options.Directory, $"{TombstonePrefix}{logId}~{Guid.NewGuid():N}");
                Directory.Move(path, tombstone);
                DirectorySync.Flush(Options.Directory);
                Directory.Delete(tombstone, recursive: true);
            }
        }
        catch (Exception e)
        {
            failure = e;
        }

        lock (_gate)
        {
            _deleting.Remove(logId);
        }

        if (failure is null)
        {
            done.SetResult();
        }
        else
        {
            done.SetException(failure);
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListLogs()
    {
        ThrowIfDisposed();
        var ids = new List<string>();
        foreach (string path in Directory.EnumerateDirectories(Options.Directory))
        {
            string name = Path.GetFileName(path);
            if (LogId.IsValid(name))
            {
                ids.Add(name);
            }
        }

        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <summary>Finishes queued appends, fsyncs and closes every open log. Later calls on the store or its logs throw <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _flusher.ConfigureAwait(false);
        Task[] deletes;
        lock (_gate)
        {
            // Nothing opens or starts deleting after this: both check the disposed flag under the gate.
            deletes = [.. _deleting.Values];
        }

        // Deletes in progress finish first; their callers observe how.
        await Task.WhenAll(deletes).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        foreach (FileShardLog log in _logs.Values)
        {
            await log.CloseAsync().ConfigureAwait(false);
        }

        _logs.Clear();
        _stop.Dispose();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private async Task FlushLoopAsync()
    {
        using var timer = new PeriodicTimer(Options.FsyncInterval, Options.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                foreach (FileShardLog log in _logs.Values)
                {
                    log.FlushIfDirty();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Store disposed.
        }
    }

    private void PurgeTombstones()
    {
        foreach (string path in Directory.EnumerateDirectories(Options.Directory, TombstonePrefix + "*"))
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Retried at the next start.
            }
        }
    }
}
