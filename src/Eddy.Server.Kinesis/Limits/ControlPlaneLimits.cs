using System.Collections.Concurrent;
using System.Collections.Frozen;
using Eddy.Core;
using Eddy.Core.Throughput;
using Eddy.Protocol;

namespace Eddy.Server.Kinesis.Limits;

/// <summary>
/// AWS's documented control-plane call rates, enforced per account or per stream with token buckets
/// (bursts up to one second's worth): over the rate, <c>LimitExceededException</c> "Rate exceeded for stream &lt;s&gt;
/// under account &lt;a&gt;." On with <c>--shard-limits aws</c>; data-plane limits live in the engine, per shard.
/// </summary>
public sealed class ControlPlaneLimits(string account, TimeProvider time) : IRequestFilter
{
    /// <summary>Calls per second, and whether the budget is per stream (else per account).</summary>
    private static readonly FrozenDictionary<KinesisAction, (double PerSecond, bool PerStream)> s_rates = new Dictionary<KinesisAction, (double, bool)>
    {
        [KinesisAction.CreateStream] = (5, false),
        [KinesisAction.DeleteStream] = (5, false),
        [KinesisAction.DescribeStream] = (10, false),
        [KinesisAction.DescribeStreamSummary] = (20, false),
        [KinesisAction.ListStreams] = (5, false),
        [KinesisAction.ListShards] = (1000, true),
        [KinesisAction.SplitShard] = (5, false),
        [KinesisAction.MergeShards] = (5, false),
        [KinesisAction.UpdateShardCount] = (10, false),
        [KinesisAction.AddTagsToStream] = (5, false),
        [KinesisAction.RemoveTagsFromStream] = (5, false),
        [KinesisAction.ListTagsForStream] = (5, false),
        [KinesisAction.DescribeLimits] = (1, false),
        [KinesisAction.RegisterStreamConsumer] = (5, false),
        [KinesisAction.DescribeStreamConsumer] = (20, true),
        [KinesisAction.ListStreamConsumers] = (5, true),
        [KinesisAction.DeregisterStreamConsumer] = (5, true),
        [KinesisAction.DescribeAccountSettings] = (5, false),
        [KinesisAction.UpdateAccountSettings] = (5, false),
        [KinesisAction.UpdateStreamWarmThroughput] = (5, false),
    }.ToFrozenDictionary();

    private readonly ConcurrentDictionary<(KinesisAction, string), TokenBucket> _buckets = new();

    public ValueTask OnRequestAsync(RequestInfo request)
    {
        if (!s_rates.TryGetValue(request.Action, out var rate)) return ValueTask.CompletedTask;
        var stream = request.TargetStream;
        var scope = rate.PerStream ? stream ?? "" : "";
        var bucket = _buckets.GetOrAdd((request.Action, scope), _ => new TokenBucket(rate.PerSecond, rate.PerSecond, time));
        if (bucket.TryTake(1)) return ValueTask.CompletedTask;
        throw new KinesisException(ErrorCode.LimitExceededException, stream is null
            ? $"Rate exceeded for account {account}."
            : $"Rate exceeded for stream {stream} under account {account}.");
    }
}
