namespace Eddy.Storage;

/// <summary>
/// A set of independent append-only logs of opaque records, one per shard. Implementations: <see cref="FileLogStore"/>
/// (segment files on disk) and <see cref="MemoryLogStore"/> (the in-memory twin). Both pass the same contract tests.
/// </summary>
/// <remarks>Thread-safe. A log id is path-safe: <c>[A-Za-z0-9_.-]+</c>, at most 200 characters.</remarks>
public interface ILogStore : IAsyncDisposable
{
    /// <summary>Opens the log with this id, creating it empty if it does not exist. Opening an open log returns the same instance.</summary>
    IShardLog Open(string logId);

    /// <summary>Closes the log if open and deletes everything stored for it. Deleting an absent log is a no-op.</summary>
    ValueTask DeleteAsync(string logId);

    /// <summary>Ids of every log that has data in the store (open or not).</summary>
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
    /// non-decreasing. Completes when the records are durable and visible.
    /// </summary>
    ValueTask<AppendResult> AppendAsync(IReadOnlyList<ReadOnlyMemory<byte>> payloads, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads visible records with offset &gt;= <paramref name="fromOffset"/> (trimmed ones are skipped), at most
    /// <paramref name="maxRecords"/> and at most <paramref name="maxBytes"/> of payload, but always at least one record
    /// when one is available.
    /// </summary>
    ValueTask<LogReadResult> ReadAsync(long fromOffset, int maxRecords, long maxBytes, CancellationToken cancellationToken = default);

    /// <summary>The offset of the first record whose timestamp is &gt;= <paramref name="timestampMs"/>, or <see cref="EndOffset"/> if none.</summary>
    long FindOffsetByTimestamp(long timestampMs);

    /// <summary>Deletes whole segments whose records are all older than <paramref name="olderThanMs"/>. Never removes the newest segment's records partially.</summary>
    ValueTask TrimAsync(long olderThanMs, CancellationToken cancellationToken = default);

    /// <summary>Completes when <see cref="EndOffset"/> is greater than <paramref name="offset"/> (a record at that offset is visible), or on cancellation.</summary>
    Task WaitForDataAsync(long offset, CancellationToken cancellationToken);
}

/// <summary>Where an append landed: the first record's offset (the rest follow densely) and the shared timestamp.</summary>
public readonly record struct AppendResult(long FirstOffset, long TimestampMs);

/// <summary>One stored record. <see cref="Payload"/> stays valid for as long as the caller holds it.</summary>
public readonly record struct LogRecord(long Offset, long TimestampMs, ReadOnlyMemory<byte> Payload);

/// <summary>Result of a read: records in offset order, and the offset to continue from.</summary>
public sealed record LogReadResult(IReadOnlyList<LogRecord> Records, long NextOffset);

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
    public long SegmentBytes { get; init; } = 64L * 1024 * 1024;
    public int IndexIntervalBytes { get; init; } = 4096;
    public FsyncPolicy Fsync { get; init; } = FsyncPolicy.Always;
    public TimeSpan FsyncInterval { get; init; } = TimeSpan.FromSeconds(1);
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
