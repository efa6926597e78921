namespace Eddy.Storage;

/// <summary>
/// A set of independent append-only logs of opaque records, one per shard. Implementations: <see cref="FileLogStore"/>
/// (segment files on disk) and <see cref="MemoryLogStore"/> (the in-memory twin). Both pass the same contract tests.
/// </summary>
/// <remarks>Thread-safe. A log id is path-safe: <c>[A-Za-z0-9_.-]+</c>, at most 200 characters.</remarks>
public interface ILogStore : IAsyncDisposable
{
    /// <summary>Opens the log with this id, creating it empty if it does not exist. Opening an open log returns the same instance.</summary>
    /// <remarks>
    /// Throws <see cref="ArgumentException"/> for an invalid id and <see cref="ObjectDisposedException"/> once the store is
    /// disposed. The file store recovers a log that is not open yet synchronously here (fast after a clean shutdown), and
    /// throws <see cref="InvalidOperationException"/> for a log whose <see cref="DeleteAsync"/> is still in progress
    /// (open it once the delete has completed; the memory store deletes at once). Never waits on asynchronous work.
    /// </remarks>
    IShardLog Open(string logId);

    /// <summary>Closes the log if open and deletes everything stored for it. Deleting an absent log is a no-op.</summary>
    /// <remarks>
    /// Appends already queued on the log finish first. Afterwards the old instance throws <see cref="ObjectDisposedException"/>
    /// and its pending <see cref="IShardLog.WaitForDataAsync"/> calls fault with it; <see cref="Open"/> gives a new, empty
    /// log whose offsets start again at 0. Concurrent deletes of one id complete together.
    /// </remarks>
    ValueTask DeleteAsync(string logId);

    /// <summary>Ids of every log that has data in the store (open or not), in ordinal order. A log that was opened and never appended to is listed.</summary>
    IReadOnlyList<string> ListLogs();
}

/// <summary>One append-only log. Offsets are dense: the first record ever appended has offset 0, the next 1, and so on.</summary>
/// <remarks>
/// Threading contract: any number of concurrent appenders and readers. Appends are applied by one writer per log in
/// arrival order with group commit (every batch waiting when a write starts goes into that write). A record becomes
/// visible to readers, and its append completes, only once it is written to the store (and fsynced, per the store's
/// fsync policy).
/// </remarks>
public interface IShardLog
{
    string Id { get; }

    /// <summary>Offset of the oldest record still stored (after trimming). Equals <see cref="EndOffset"/> when empty.</summary>
    long StartOffset { get; }

    /// <summary>One past the offset of the newest visible record: the offset the next append will get.</summary>
    long EndOffset { get; }

    /// <summary>Timestamp (Unix ms) of the newest visible record, or 0 when the log has none.</summary>
    long LastTimestampMs { get; }

    /// <summary>
    /// Appends the payloads as consecutive records sharing one timestamp, which the log assigns from its clock and keeps
    /// non-decreasing. Completes when the records are durable and visible. The log copies the payloads: the caller may
    /// reuse their memory once the returned task has completed (not before).
    /// </summary>
    /// <remarks>
    /// The payload memory is read after this method returns (by the log's writer): keep it unchanged until the returned
    /// task completes; after that the log holds its own copy. Throws <see cref="ArgumentException"/> for an empty list, a
    /// payload over 64 MiB or an append over 256 MiB of framed bytes, and <see cref="ObjectDisposedException"/> once the log
    /// is closed. <paramref name="cancellationToken"/> is observed only before the append is queued; a queued append is
    /// always carried out. A failed append (<see cref="IOException"/>) leaves none of its records visible. An append
    /// interrupted by a crash before it completed may survive whole, as a prefix of its records, or not at all.
    /// </remarks>
    ValueTask<AppendResult> AppendAsync(IReadOnlyList<ReadOnlyMemory<byte>> payloads, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads visible records with offset &gt;= <paramref name="fromOffset"/> (trimmed ones are skipped), at most
    /// <paramref name="maxRecords"/> and at most <paramref name="maxBytes"/> of payload, but always at least one record
    /// when one is available.
    /// </summary>
    /// <remarks>
    /// <see cref="LogReadResult.NextOffset"/> is one past the last returned record, or max(<paramref name="fromOffset"/>,
    /// <see cref="StartOffset"/>) when none is returned. Payloads are copies owned by the caller. Throws
    /// <see cref="ArgumentOutOfRangeException"/> for a negative <paramref name="fromOffset"/>, <paramref name="maxRecords"/>
    /// &lt; 1 or a negative <paramref name="maxBytes"/>, and <see cref="InvalidDataException"/> when stored data fails its
    /// checksum.
    /// </remarks>
    ValueTask<LogReadResult> ReadAsync(long fromOffset, int maxRecords, long maxBytes, CancellationToken cancellationToken = default);

    /// <summary>The offset of the first record whose timestamp is &gt;= <paramref name="timestampMs"/>, or <see cref="EndOffset"/> if none.</summary>
    /// <remarks>Only stored records count: for a timestamp older than every record the answer is <see cref="StartOffset"/>.</remarks>
    long FindOffsetByTimestamp(long timestampMs);

    /// <summary>Deletes whole segments whose records are all older than <paramref name="olderThanMs"/>. Never removes the newest segment's records partially.</summary>
    /// <remarks>
    /// A segment is what <see cref="LogStoreOptions.SegmentBytes"/> delimits (the memory store keeps the same accounting,
    /// see <see cref="MemoryLogStore.SegmentBytes"/>). Only a prefix of the log is removed and the newest (active) segment
    /// is never removed, so trimming is coarse: records can outlive the cutoff by up to a segment.
    /// <see cref="StartOffset"/> moves to the first remaining record.
    /// </remarks>
    ValueTask TrimAsync(long olderThanMs, CancellationToken cancellationToken = default);

    /// <summary>Completes when <see cref="EndOffset"/> is greater than <paramref name="offset"/> (a record at that offset is visible), or on cancellation.</summary>
    /// <remarks>
    /// Already complete when the record is visible. On cancellation the task is cancelled (awaiting it throws
    /// <see cref="OperationCanceledException"/>); when the log is closed (deleted, store disposed) it faults with
    /// <see cref="ObjectDisposedException"/>.
    /// </remarks>
    Task WaitForDataAsync(long offset, CancellationToken cancellationToken);
}

/// <summary>Where an append landed: the first record's offset (the rest follow densely) and the shared timestamp.</summary>
public readonly record struct AppendResult(long FirstOffset, long TimestampMs);

/// <summary>One stored record. <see cref="Payload"/> stays valid until the <see cref="LogReadResult"/> it came from is disposed.</summary>
public readonly record struct LogRecord(long Offset, long TimestampMs, ReadOnlyMemory<byte> Payload);

/// <summary>
/// Result of a read: records in offset order, and the offset to continue from. Record payloads may live in pooled
/// buffers: they stay valid until the result is disposed (dispose it once the payloads have been consumed; a result
/// that is never disposed is only garbage collected).
/// </summary>
public sealed class LogReadResult(IReadOnlyList<LogRecord> records, long nextOffset, Action? release = null) : IDisposable
{
    private Action? _release = release;

    public IReadOnlyList<LogRecord> Records { get; } = records;
    public long NextOffset { get; } = nextOffset;

    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
}

/// <summary>When appends are fsynced.</summary>
public enum FsyncPolicy
{
    /// <summary>fsync (fdatasync) every group commit before acknowledging: survives power loss.</summary>
    Always = 0,
    /// <summary>write(2) before acknowledging, fsync in the background every <see cref="LogStoreOptions.FsyncInterval"/>: survives kill -9, not power loss.</summary>
    Interval = 1,
}

public sealed record LogStoreOptions
{
    public required string Directory { get; init; }
    /// <summary>A new segment file is started when an append would take a non-empty segment past this size (1 B .. 1 GiB).</summary>
    public long SegmentBytes { get; init; } = 64L * 1024 * 1024;
    /// <summary>Bytes of frames between two entries of a segment's sparse offset/time index (at least 1).</summary>
    public int IndexIntervalBytes { get; init; } = 4096;
    public FsyncPolicy Fsync { get; init; } = FsyncPolicy.Always;
    public TimeSpan FsyncInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Clock for record timestamps and for the <see cref="FsyncPolicy.Interval"/> timer.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where the store says what recovery did when a log opens (a torn tail cut off).</summary>
    public Microsoft.Extensions.Logging.ILogger Logger { get; init; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
}
