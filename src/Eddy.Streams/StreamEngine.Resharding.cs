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
            BeginUpdate(s, () => SplitAsync(s, parent, key));
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
            BeginUpdate(s, () => MergeAsync(s, first, second));
        });

    public Task<ShardCountChange> UpdateShardCountAsync(StreamRef stream, int targetShardCount) =>
        WriteAsync(() =>
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
            BeginUpdate(s, () => RescaleAsync(s, targetShardCount));
            return Task.FromResult(new ShardCountChange(s.Name, s.Arn, current, targetShardCount));
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

    /// <summary>Puts the stream in UPDATING now and runs <paramref name="change"/> (then ACTIVE) after the state delay.</summary>
    private void BeginUpdate(StreamState s, Func<Task> change)
    {
        s.Status = StreamStatus.Updating;
        _catalog.SaveStream(s);
        Later(async () =>
        {
            if (s.Status != StreamStatus.Updating) return;
            await change().ConfigureAwait(false);
            s.Status = StreamStatus.Active;
            _catalog.SaveStream(s);
        });
    }

    private void BeginUpdate(StreamState s, Action change) => BeginUpdate(s, () => { change(); return Task.CompletedTask; });

    /// <summary>Children's sequence numbers must sort above every parent's: their creation second is later than all parents'.</summary>
    private static long ChildEpoch(long nowMs, params ShardState[] parents) => Math.Max(nowMs / 1000, parents.Max(p => p.SeqEpochSeconds)) + 1;

    private async Task SplitAsync(StreamState s, ShardState parent, UInt128 key)
    {
        var now = NowMs;
        var epoch = ChildEpoch(now, parent);
        var low = NewShard(s, parent.Index, null, new HashKeyRange(parent.Range.Start, key - 1), now, epoch);
        var high = NewShard(s, parent.Index, null, new HashKeyRange(key, parent.Range.End), now, epoch);
        await parent.CloseAsync(now).ConfigureAwait(false);
        s.SetShards([.. s.Shards, low, high]);
        parent.PublishEnd(); // only now may readers report the shard end: the children are listed
    }

    private async Task MergeAsync(StreamState s, ShardState first, ShardState second)
    {
        var now = NowMs;
        var child = NewShard(s, first.Index, second.Index, new HashKeyRange(first.Range.Start, second.Range.End), now, ChildEpoch(now, first, second));
        await first.CloseAsync(now).ConfigureAwait(false);
        await second.CloseAsync(now).ConfigureAwait(false);
        s.SetShards([.. s.Shards, child]);
        first.PublishEnd();
        second.PublishEnd();
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
        WriteAsync(() =>
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
            s.RetentionHours = hours;
            _catalog.SaveStream(s);
        });
}
