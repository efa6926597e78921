using Eddy.Core;
using Eddy.Storage;

namespace Eddy.Streams;

/// <summary>
/// One shard's state. Lineage, range and times are fixed at creation; <see cref="ClosedMs"/> and
/// <see cref="FinalEndOffset"/> are set once when the shard closes.
/// </summary>
/// <remarks>
/// Writers enter with <see cref="TryEnterWrite"/> and leave with <see cref="ExitWrite"/>; <see cref="CloseAsync"/>
/// flips the closed flag first and then waits for writers inside to leave, so no write lands after the final end
/// offset is taken. Why neither side misses the other (all three steps are full fences: Interlocked): a writer
/// increments the count and then reads the flag; the closer sets the flag and then reads the count. So either the
/// writer sees the flag (and backs out) or the closer sees the writer (and waits). The closer waits on
/// <c>_drained</c>, published before the flag: the writer whose decrement reaches zero after the flag is set reads
/// the flag, sees it, and completes <c>_drained</c>; a decrement that reaches zero before the closer reads the count is
/// seen by that read. No polling, no lost wake-up.
/// </remarks>
internal sealed class ShardState
{
    private int _writers;
    private int _closed;
    private TaskCompletionSource? _drained;
    private string? _startingSequenceNumber;
    private Limits.ShardBudget? _budget;
    private int _ended;
    private readonly TaskCompletionSource _closedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ShardState(int index, int? parent, int? adjacentParent, HashKeyRange range, long createdMs, long seqEpochSeconds, IShardLog log)
    {
        Index = index;
        Id = ShardId.Format(index);
        Parent = parent;
        AdjacentParent = adjacentParent;
        Range = range;
        CreatedMs = createdMs;
        SeqEpochSeconds = seqEpochSeconds;
        Log = log;
    }

    public int Index { get; }
    public string Id { get; }
    public int? Parent { get; }
    public int? AdjacentParent { get; }
    public HashKeyRange Range { get; }
    public long CreatedMs { get; }

    /// <summary>The creation time written into this shard's sequence numbers (epoch seconds).</summary>
    public long SeqEpochSeconds { get; }
    public IShardLog Log { get; }
    public long? ClosedMs { get; private set; }
    public long FinalEndOffset { get; private set; }
    public bool IsOpen => Volatile.Read(ref _closed) == 0;

    /// <summary>
    /// Closed, its final end known and its children published: readers report the shard end (with ChildShards) only
    /// from here on. Between <see cref="CloseAsync"/> and <see cref="PublishEnd"/> the shard is merely quiet.
    /// </summary>
    public bool IsEnded => Volatile.Read(ref _ended) == 1;

    /// <summary>The shard's throughput budget (used only when limits are on for its stream).</summary>
    public Limits.ShardBudget Budget(TimeProvider time) => LazyInitializer.EnsureInitialized(ref _budget, () => new Limits.ShardBudget(time));

    /// <summary>Consecutive scaling samples in which this shard was hot (scaling loop only).</summary>
    public int HotSamples { get; set; }

    /// <summary>Recent write rate, always measured (on-demand scaling reads it).</summary>
    public Limits.WriteMeter Meter { get; } = new();

    /// <summary>Completes once the shard <see cref="IsEnded"/> (wakes push subscribers).</summary>
    public Task Closed => _closedSignal.Task;

    public string StartingSequenceNumber => _startingSequenceNumber ??= new SequenceNumber(SeqEpochSeconds, Index, 0, SeqEpochSeconds).ToString();

    public string? EndingSequenceNumber => ClosedMs is { } closed
        ? new SequenceNumber(SeqEpochSeconds, Index, SequenceNumber.EndCounter, closed / 1000).ToString()
        : null;

    /// <summary>
    /// The sequence number of the record at <paramref name="offset"/>: counter = offset + 1, so the shard's
    /// StartingSequenceNumber (counter 0) sorts below every record and "after the start" means offset 0.
    /// </summary>
    public string SequenceNumberAt(long offset, long arrivalMs) => SequenceAt(offset, arrivalMs).ToString();

    /// <summary>The sequence number of the record at <paramref name="offset"/>, as a value.</summary>
    public SequenceNumber SequenceAt(long offset, long arrivalMs) => new(SeqEpochSeconds, Index, offset + 1, arrivalMs / 1000);

    /// <summary>The log offset a sequence number's counter designates (the start of the shard for counter 0).</summary>
    public static long OffsetOf(long counter) => Math.Max(0, counter - 1);

    /// <summary>The offset one past the last record this shard will ever hold, or the current end while open.</summary>
    public long EndOffset => IsEnded ? FinalEndOffset : Log.EndOffset;

    public bool TryEnterWrite()
    {
        Interlocked.Increment(ref _writers);
        if (Volatile.Read(ref _closed) == 0) return true;
        ExitWrite();
        return false;
    }

    public void ExitWrite()
    {
        if (Interlocked.Decrement(ref _writers) == 0 && Volatile.Read(ref _closed) == 1) Volatile.Read(ref _drained)?.TrySetResult();
    }

    public async Task CloseAsync(long closedMs)
    {
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _drained, drained);
        Interlocked.Exchange(ref _closed, 1);
        if (Volatile.Read(ref _writers) != 0) await drained.Task.ConfigureAwait(false);
        FinalEndOffset = Log.EndOffset;
        ClosedMs = closedMs;
    }

    /// <summary>Marks the end final once the children are in the stream's shard list (after <see cref="CloseAsync"/>).</summary>
    public void PublishEnd()
    {
        Volatile.Write(ref _ended, 1);
        _closedSignal.TrySetResult();
    }

    /// <summary>Undoes <see cref="CloseAsync"/> before <see cref="PublishEnd"/> (the reshard could not be committed): writers
    /// may enter again and the shard's end is unknown again.</summary>
    public void Reopen()
    {
        if (IsEnded) throw new InvalidOperationException($"{Id} has ended and cannot be reopened.");
        ClosedMs = null;
        FinalEndOffset = 0;
        Interlocked.Exchange(ref _closed, 0);
    }

    /// <summary>Restores a shard that the catalog records as closed.</summary>
    public void RestoreClosed(long closedMs, long finalEndOffset)
    {
        _closed = 1;
        ClosedMs = closedMs;
        FinalEndOffset = finalEndOffset;
        PublishEnd();
    }
}

internal sealed class ConsumerState(string name, long createdMs, ConsumerStatus status)
{
    public string Name { get; } = name;
    public long CreatedMs { get; } = createdMs;
    public ConsumerStatus Status { get; set; } = status;
    public string Arn(string streamArn) => $"{streamArn}/consumer/{Name}:{CreatedMs / 1000}";
}

/// <summary>
/// One stream incarnation. Control-plane fields change only under the engine's control lock; the data plane reads
/// <see cref="OpenShards"/> (an immutable array swapped on reshard) and <see cref="Status"/> without locking.
/// </summary>
internal sealed class StreamState
{
    public required long Id { get; init; }
    public required string Name { get; init; }
    public required string Arn { get; init; }
    public required string StreamToken { get; init; }
    public required long CreatedMs { get; init; }
    public volatile StreamStatus StatusField;
    public StreamStatus Status { get => StatusField; set => StatusField = value; }
    public StreamMode Mode { get; set; }
    public int RetentionHours { get; set; } = 24;
    public string EncryptionType { get; set; } = "NONE";
    public string? KeyId { get; set; }
    public List<string> ShardLevelMetrics { get; set; } = [];
    public int MaxRecordKiB { get; set; } = 1024;
    public int? WarmTargetMiBps { get; set; }
    public int NextShardIndex { get; set; }
    /// <summary>Every retained shard in index order; replaced as a whole (copy on write) under the control lock.</summary>
    public volatile ShardState[] Shards = [];
    public List<ConsumerState> Consumers { get; } = [];
    public List<long> ShardCountUpdates { get; } = [];

    /// <summary>The acknowledged change this UPDATING stream carries out when its state delay ends (stored in the catalog).</summary>
    public PendingUpdate? Pending { get; set; }

    /// <summary>Open shards sorted by starting hash key; replaced as a whole on reshard.</summary>
    public volatile ShardState[] OpenShards = [];

    private volatile TaskCompletionSource _shardsChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Completes when the shard lists are next published (<see cref="SetShards"/>). Read it before
    /// <see cref="OpenShards"/>: SetShards writes the lists first and swaps the signal after, so a caller that read the
    /// signal and then an outdated list is woken when the newer list is out.
    /// </summary>
    public Task ShardsChanged => _shardsChanged.Task;

    public bool IsEncrypted => EncryptionType == "KMS";

    /// <summary>Highest smoothed write rate seen (bytes/s): on-demand streams grow toward twice it.</summary>
    public double PeakWriteBytesPerSecond { get; set; }

    /// <summary>The last automatic (on-demand) scaling decision, reported by DescribeStreamSummary.</summary>
    public ScalingView? LastScaling { get; set; }

    /// <summary>Per-stream override of the server's shard limits (the stream tag <c>eddy:shard-limits</c> = <c>aws</c> or <c>off</c>).</summary>
    public volatile string? ShardLimitsTag;
    public long RetentionMs => RetentionHours * 3_600_000L;

    public ShardState? FindShard(int index)
    {
        var list = Shards;
        var lo = 0;
        var hi = list.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var v = list[mid].Index;
            if (v == index) return list[mid];
            if (v < index) lo = mid + 1; else hi = mid - 1;
        }
        return null;
    }

    public static ShardState Route(ShardState[] open, UInt128 hashKey)
    {
        var lo = 0;
        var hi = open.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >>> 1;
            if (open[mid].Range.Start <= hashKey) lo = mid; else hi = mid - 1;
        }
        return open[lo];
    }

    /// <summary>Publishes a new shard list and the open-shard routing table derived from it.</summary>
    public void SetShards(IEnumerable<ShardState> shards)
    {
        Shards = [.. shards.OrderBy(s => s.Index)];
        OpenShards = [.. Shards.Where(s => s.IsOpen).OrderBy(s => s.Range.Start)];
        var published = _shardsChanged;
        _shardsChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        published.TrySetResult();
    }
}
