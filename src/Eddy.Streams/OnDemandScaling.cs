using Eddy.Core;
using Eddy.Streams.Limits;
using Microsoft.Extensions.Logging;

namespace Eddy.Streams;

/// <summary>On-demand scaling: samples every open shard's write meter every <see cref="EngineOptions.ScalingInterval"/>
/// (a hosted loop, under the control lock) and splits hot shards of ON_DEMAND streams.</summary>
internal sealed partial class OnDemandScaling(EngineContext context, StreamUpdates updates)
{
    /// <summary>A shard is hot when its smoothed write rate passes this share of the per-shard limit.</summary>
    private const double HotShare = 0.8;

    /// <summary>... for this many consecutive samples (sustained, not a burst).</summary>
    private const int HotSamples = 3;

    /// <summary>
    /// ON_DEMAND scaling, as AWS does it: every open shard's write rate is sampled; a shard that stays above 80 % of the
    /// per-shard write limit (1 MiB/s or 1000 records/s) for three samples is split at its midpoint, and the stream grows
    /// toward enough shards for twice its peak write rate. PROVISIONED streams are never resharded here. Runs under the
    /// control lock; the stream stays ACTIVE (the children take writes at once).
    /// </summary>
    public async Task<int> ScaleOnceAsync(double intervalSeconds)
    {
        var splits = 0;
        foreach (var s in context.Streams.All)
        {
            var open = s.OpenShards;
            double streamBytes = 0;
            var hot = new List<ShardState>();
            foreach (var shard in open)
            {
                var (bytes, records) = shard.Meter.Sample(intervalSeconds);
                streamBytes += bytes;
                var isHot = bytes > HotShare * ShardBudget.WriteBytesPerSecond || records > HotShare * ShardBudget.WriteRecordsPerSecond;
                shard.HotSamples = isHot ? shard.HotSamples + 1 : 0;
                if (shard.HotSamples >= HotSamples) hot.Add(shard);
            }
            s.PeakWriteBytesPerSecond = Math.Max(s.PeakWriteBytesPerSecond, streamBytes);
            if (s.Mode != StreamMode.OnDemand || s.Status != StreamStatus.Active) continue;

            var wanted = (int)Math.Ceiling(2 * s.PeakWriteBytesPerSecond / ShardBudget.WriteBytesPerSecond);
            var room = context.Options.ShardLimit - context.Streams.OpenShardCount;
            var targets = hot.OrderByDescending(h => h.Meter.BytesPerSecond).ToList();
            foreach (var widest in open.Except(targets).OrderByDescending(x => x.Range.Width))
            {
                if (open.Length + targets.Count >= wanted) break;
                targets.Add(widest);
            }
            foreach (var shard in targets.Take(Math.Max(0, room)))
            {
                if (!shard.IsOpen || shard.Range.Width < 4) continue;
                var before = s.OpenShards.Length;
                var reason = hot.Contains(shard)
                    ? $"{shard.Id} sustained {shard.Meter.BytesPerSecond / 1048576:0.00} MiB/s, {shard.Meter.RecordsPerSecond:0} records/s"
                    : $"growing toward twice the peak write rate ({s.PeakWriteBytesPerSecond / 1048576:0.00} MiB/s)";
                await updates.SplitAsync(s, shard, shard.Range.Start + shard.Range.Width / 2 + 1).ConfigureAwait(false);
                s.LastScaling = new ScalingView(context.Time.GetUtcNow(), before, s.OpenShards.Length, reason);
                LogScaled(context.Logger, s.Name, shard.Id, before, s.OpenShards.Length, reason);
                splits++;
            }
            if (targets.Count > 0) await context.SaveAsync(s).ConfigureAwait(false);
        }
        return splits;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {Stream}: on-demand scaling split {Shard}, open shards {From} -> {To} ({Reason})")]
    private static partial void LogScaled(ILogger logger, string stream, string shard, int from, int to, string reason);
}
