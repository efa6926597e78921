using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Eddy.Streams;

public sealed record EngineOptions
{
    /// <summary>The data directory, for the key store (<c>keys/</c>); null keeps keys in memory. The catalog and the logs
    /// are given to <see cref="StreamEngine.OpenAsync"/> by the caller.</summary>
    public string? DataDirectory { get; init; }
    public string Account { get; init; } = "000000000000";
    public string Region { get; init; } = "us-east-1";

    /// <summary>How long CREATING, UPDATING and DELETING last; zero (the default) completes the change before the call returns.</summary>
    public TimeSpan StateDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Open shards allowed per account (DescribeLimits.ShardLimit).</summary>
    public int ShardLimit { get; init; } = 500;
    public int OnDemandStreamCountLimit { get; init; } = 50;
    public int ConsumersPerStream { get; init; } = 20;

    /// <summary>How often retention is enforced on disk (records past retention are never returned regardless).</summary>
    public TimeSpan RetentionSweep { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>SubscribeToShard: how long a subscription lasts, how often an idle one heart-beats, and after how long
    /// a new subscription for the same consumer and shard takes over instead of failing with ResourceInUse.</summary>
    public TimeSpan SubscriptionLifetime { get; init; } = TimeSpan.FromMinutes(5);
    public TimeSpan SubscriptionHeartbeat { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan SubscriptionTakeover { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Enforce AWS's per-shard throughput limits (1 MiB/s and 1000 records/s in, 2 MiB/s and 5 GetRecords/s out)
    /// on every stream; a stream's tag <c>eddy:shard-limits</c> (<c>aws</c> or <c>off</c>) overrides this per stream.</summary>
    public bool ShardLimits { get; init; }

    /// <summary>How often ON_DEMAND streams' write rates are sampled for automatic scaling.</summary>
    public TimeSpan ScalingInterval { get; init; } = TimeSpan.FromSeconds(1);

    public ILogger Logger { get; init; } = NullLogger.Instance;

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
