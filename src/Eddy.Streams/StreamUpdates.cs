using Eddy.Core;
using Eddy.Streams.Encryption;

namespace Eddy.Streams;

/// <summary>
/// Changes that move a stream through UPDATING: the acknowledged change is recorded in the catalog
/// (<see cref="PendingUpdate"/>) and carried out when the state delay ends, at once without one, or at the next start
/// after a stop; and the resharding they are made of (split, merge, uniform scaling), each one durable step. Runs under
/// the control lock (or at start-up, before anything else runs).
/// </summary>
internal sealed class StreamUpdates(EngineContext context, EncryptionKeys keys)
{
    /// <summary>
    /// Puts the stream in UPDATING with <paramref name="update"/> recorded in the catalog (so the acknowledged change
    /// survives a stop), and carries it out when the state delay ends (at once without one).
    /// </summary>
    public async Task BeginAsync(StreamState s, PendingUpdate? update)
    {
        s.Status = StreamStatus.Updating;
        s.Pending = update;
        try
        {
            await context.SaveAsync(s).ConfigureAwait(false);
        }
        catch
        {
            s.Status = StreamStatus.Active; // not acknowledged: nothing changed
            s.Pending = null;
            throw;
        }
        await context.Control.LaterAsync(() => FinishAsync(s)).ConfigureAwait(false);
    }

    /// <summary>Carries out an UPDATING stream's pending change, then makes it ACTIVE (under the control lock, or at start-up).</summary>
    public async Task FinishAsync(StreamState s)
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
                keys.Apply(s, x.KeyId);
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
        await context.SaveAsync(s).ConfigureAwait(false);
    }

    /// <summary>Children's sequence numbers must sort above every parent's: their creation second is later than all parents'.</summary>
    private static long ChildEpoch(long nowMs, params ShardState[] parents) => Math.Max(nowMs / 1000, parents.Max(p => p.SeqEpochSeconds)) + 1;

    public async Task SplitAsync(StreamState s, ShardState parent, UInt128 key)
    {
        var now = context.NowMs;
        var epoch = ChildEpoch(now, parent);
        var low = context.NewShard(s, parent.Index, null, new HashKeyRange(parent.Range.Start, key - 1), now, epoch);
        var high = context.NewShard(s, parent.Index, null, new HashKeyRange(key, parent.Range.End), now, epoch);
        await ReshardAsync(s, [parent], [low, high], now).ConfigureAwait(false);
    }

    private async Task MergeAsync(StreamState s, ShardState first, ShardState second)
    {
        var now = context.NowMs;
        var child = context.NewShard(s, first.Index, second.Index, new HashKeyRange(first.Range.Start, second.Range.End), now, ChildEpoch(now, first, second));
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
            await context.SaveAsync(s, shards).ConfigureAwait(false);
        }
        catch
        {
            foreach (var parent in parents) parent.Reopen();
            s.SetShards(s.Shards); // wakes writers waiting for the new list: they go back to the reopened parents
            foreach (var child in children) await context.Logs.DeleteAsync(child.Log.Id).ConfigureAwait(false);
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
}
