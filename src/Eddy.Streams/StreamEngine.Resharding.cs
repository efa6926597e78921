using Eddy.Core;

namespace Eddy.Streams;

public sealed partial class StreamEngine
{
    private const int ShardCountUpdatesPerDay = 10;

    public Task SplitShardAsync(StreamRef stream, string shardToSplit, string newStartingHashKey) =>
        WriteAsync(() =>
        {
            CheckShardIds(stream, shardToSplit);
            var s = ResolveReshardable(stream);
            var parent = ResolveOpenShard(s, shardToSplit);
            if (!HashKey.TryParse(newStartingHashKey, out var key) || key <= parent.Range.Start + 1 || key >= parent.Range.End)
                throw KinesisException.Invalid($"NewStartingHashKey {newStartingHashKey} used in SplitShard() on shard {parent.Id} in stream {s.Name} under account {Account} " +
                    $"is not both greater than one plus the shard's StartingHashKey {parent.Range.Start} and less than the shard's EndingHashKey {parent.Range.End}.");
            CheckShardLimit(1);
            return BeginUpdateAsync(s, new PendingUpdate.Split(parent.Index, key));
        });

    public Task MergeShardsAsync(StreamRef stream, string shardToMerge, string adjacentShardToMerge) =>
        WriteAsync(() =>
        {
            CheckShardIds(stream, shardToMerge, adjacentShardToMerge);
            var s = ResolveReshardable(stream);
            var first = ResolveOpenShard(s, shardToMerge);
            var second = ResolveOpenShard(s, adjacentShardToMerge);
            if (first.Range.End == UInt128.MaxValue || first.Range.End + 1 != second.Range.Start)
                throw KinesisException.Invalid($"Shards {first.Id} and {second.Id} in stream {s.Name} under account {Account} are not an adjacent pair of shards eligible for merging");
            return BeginUpdateAsync(s, new PendingUpdate.Merge(first.Index, second.Index));
        });

    public Task<ShardCountChange> UpdateShardCountAsync(StreamRef stream, int targetShardCount) =>
        WriteAsync(async () =>
        {
            var s = ResolveReshardable(stream);
            var current = s.OpenShards.Length;
            if (targetShardCount > current * 2)
                throw KinesisException.Invalid($"UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: {current} Target shard count: {targetShardCount}");
            if (targetShardCount < (current + 1) / 2)
                throw KinesisException.Invalid($"UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: {current} Target shard count: {targetShardCount}");
            var now = NowMs;
            s.ShardCountUpdates.RemoveAll(t => t < now - 86_400_000);
            if (s.ShardCountUpdates.Count >= ShardCountUpdatesPerDay)
                throw new KinesisException(ErrorCode.LimitExceededException,
                    $"Exceeded the number of UpdateShardCount operations allowed for stream {s.Name} under account {Account} in a rolling 24-hour period ({ShardCountUpdatesPerDay}).");
            if (targetShardCount > current) CheckShardLimit(targetShardCount - current);
            s.ShardCountUpdates.Add(now);
            await BeginUpdateAsync(s, new PendingUpdate.Scale(targetShardCount)).ConfigureAwait(false);
            return new ShardCountChange(s.Name, s.Arn, current, targetShardCount);
        });

    private StreamState ResolveReshardable(StreamRef stream)
    {
        var s = ResolveActive(stream);
        if (s.Mode == StreamMode.OnDemand)
            throw KinesisException.Validation($"This operation is not supported for stream {s.Name} under account {Account} in ON_DEMAND mode. Switch the stream to PROVISIONED mode first.");
        return s;
    }

    private ShardState ResolveOpenShard(StreamState s, string shardId)
    {
        var shard = ResolveShard(s, shardId);
        return shard.IsOpen ? shard : throw new KinesisException(ErrorCode.ResourceInUseException,
            $"Shard {shard.Id} in stream {s.Name} under account {Account} has already been merged or split, and thus is not eligible for merging or splitting.");
    }

    /// <summary>
    /// Puts the stream in UPDATING with <paramref name="update"/> recorded in the catalog (so the acknowledged change
    /// survives a stop), and carries it out when the state delay ends (at once without one).
    /// </summary>
    private async Task BeginUpdateAsync(StreamState s, PendingUpdate? update)
    {
        s.Status = StreamStatus.Updating;
        s.Pending = update;
        try
        {
            await SaveAsync(s).ConfigureAwait(false);
        }
        catch
        {
            s.Status = StreamStatus.Active; // not acknowledged: nothing changed
            s.Pending = null;
            throw;
        }
        await LaterAsync(() => FinishUpdateAsync(s)).ConfigureAwait(false);
    }

    /// <summary>Carries out an UPDATING stream's pending change, then makes it ACTIVE (under the control lock, or at start-up).</summary>
    private async Task FinishUpdateAsync(StreamState s)
    {
        if (s.Status != StreamStatus.Updating) return;
        switch (s.Pending)
        {
            case PendingUpdate.Split x when s.FindShard(x.Shard) is { IsOpen: true } parent:
                await SplitAsync(s, parent, x.NewStartingHashKey).ConfigureAwait(false);
                break;
            case PendingUpdate.Merge x when s.FindShard(x.Shard) is { IsOpen: true } first && s.FindShard(x.Adjacent) is { IsOpen: true } second:
                await MergeAsync(s, first, second).ConfigureAwait(false);
                break;
            case PendingUpdate.Scale x:
                await RescaleAsync(s, x.Target).ConfigureAwait(false);
                break;
            case PendingUpdate.Encryption x:
                ApplyEncryption(s, x.KeyId);
                break;
            case PendingUpdate.Mode x:
                s.Mode = x.StreamMode;
                s.WarmTargetMiBps = x.StreamMode == StreamMode.OnDemand ? x.WarmThroughputMiBps ?? s.WarmTargetMiBps : null;
                break;
            case PendingUpdate.MaxRecordSize x:
                s.MaxRecordKiB = x.KiB;
                break;
        }
        s.Pending = null;
        s.Status = StreamStatus.Active;
        await SaveAsync(s).ConfigureAwait(false);
    }

    /// <summary>Children's sequence numbers must sort above every parent's: their creation second is later than all parents'.</summary>
    private static long ChildEpoch(long nowMs, params ShardState[] parents) => Math.Max(nowMs / 1000, parents.Max(p => p.SeqEpochSeconds)) + 1;

    private async Task SplitAsync(StreamState s, ShardState parent, UInt128 key)
    {
        var now = NowMs;
        var epoch = ChildEpoch(now, parent);
        var low = NewShard(s, parent.Index, null, new HashKeyRange(parent.Range.Start, key - 1), now, epoch);
        var high = NewShard(s, parent.Index, null, new HashKeyRange(key, parent.Range.End), now, epoch);
        await ReshardAsync(s, [parent], [low, high], now).ConfigureAwait(false);
    }

    private async Task MergeAsync(StreamState s, ShardState first, ShardState second)
    {
        var now = NowMs;
        var child = NewShard(s, first.Index, second.Index, new HashKeyRange(first.Range.Start, second.Range.End), now, ChildEpoch(now, first, second));
        await ReshardAsync(s, [first, second], [child], now).ConfigureAwait(false);
    }

    /// <summary>
    /// Replaces <paramref name="parents"/> by <paramref name="children"/> as one durable step: the parents are closed
    /// (no write lands after their final end offset), then the catalog commits the parents' ends and the children, and
    /// only then are the children published to writers and the parents' ends to readers. So every record a child
    /// acknowledges belongs to a shard the catalog lists; a stop before the commit leaves the parents open and the
    /// children's logs empty (recovery deletes them). If the commit fails, the parents are reopened and the error rises.
    /// </summary>
    private async Task ReshardAsync(StreamState s, ShardState[] parents, ShardState[] children, long nowMs)
    {
        foreach (var parent in parents) await parent.CloseAsync(nowMs).ConfigureAwait(false);
        ShardState[] shards = [.. s.Shards, .. children];
        try
        {
            await SaveAsync(s, shards).ConfigureAwait(false);
        }
        catch
        {
            foreach (var parent in parents) parent.Reopen();
            s.SetShards(s.Shards); // wakes writers waiting for the new list: they go back to the reopened parents
            foreach (var child in children) await _logs.DeleteAsync(child.Log.Id).ConfigureAwait(false);
            throw;
        }
        s.SetShards(shards);
        foreach (var parent in parents) parent.PublishEnd(); // only now may readers report the shard end: the children are listed
    }

    /// <summary>
    /// UNIFORM_SCALING as a series of real splits and merges (each new shard keeps at most two parents): split the widest
    /// open shard at its midpoint, or merge the adjacent pair with the narrowest union, until the target is reached.
    /// </summary>
    private async Task RescaleAsync(StreamState s, int target)
    {
        while (s.OpenShards.Length < target)
        {
            var widest = s.OpenShards.MaxBy(sh => sh.Range.Width)!;
            await SplitAsync(s, widest, widest.Range.Start + widest.Range.Width / 2 + 1).ConfigureAwait(false);
        }
        while (s.OpenShards.Length > target)
        {
            var open = s.OpenShards;
            var best = 0;
            for (var i = 1; i < open.Length - 1; i++)
                if (open[i].Range.Width + open[i + 1].Range.Width < open[best].Range.Width + open[best + 1].Range.Width) best = i;
            await MergeAsync(s, open[best], open[best + 1]).ConfigureAwait(false);
        }
    }

    public Task ChangeRetentionAsync(StreamRef stream, int hours, bool increase) =>
        WriteAsync(async () =>
        {
            var s = ResolveActive(stream);
            if (hours < 24)
                throw KinesisException.Invalid($"Minimum allowed retention period is 24 hours. Requested retention period ({hours} hours) is too short.");
            if (hours > 8760)
                throw KinesisException.Invalid($"Maximum allowed retention period is 8760 hours. Requested retention period ({hours} hours) is too long.");
            if (increase && hours < s.RetentionHours)
                throw KinesisException.Invalid($"Requested retention period ({hours} hours) for stream {s.Name} can not be shorter than existing retention period ({s.RetentionHours} hours). Use DecreaseRetentionPeriod API.");
            if (!increase && hours > s.RetentionHours)
                throw KinesisException.Invalid($"Requested retention period ({hours} hours) for stream {s.Name} can not be longer than existing retention period ({s.RetentionHours} hours). Use IncreaseRetentionPeriod API.");
            var previous = s.RetentionHours;
            s.RetentionHours = hours;
            try
            {
                await SaveAsync(s).ConfigureAwait(false);
            }
            catch
            {
                s.RetentionHours = previous;
                throw;
            }
        });
}
