using System.Collections.Frozen;

namespace Eddy.Protocol;

/// <summary>Every Kinesis Data Streams action, resolved once per request from <c>X-Amz-Target</c>.</summary>
public enum KinesisAction
{
    Unknown = 0,
    AddTagsToStream, CreateStream, DecreaseStreamRetentionPeriod, DeleteResourcePolicy, DeleteStream,
    DeregisterStreamConsumer, DescribeAccountSettings, DescribeLimits, DescribeStream, DescribeStreamConsumer,
    DescribeStreamSummary, DisableEnhancedMonitoring, EnableEnhancedMonitoring, GetRecords, GetResourcePolicy,
    GetShardIterator, IncreaseStreamRetentionPeriod, ListShards, ListStreamConsumers, ListStreams,
    ListTagsForResource, ListTagsForStream, MergeShards, PutRecord, PutRecords, PutResourcePolicy,
    RegisterStreamConsumer, RemoveTagsFromStream, SplitShard, StartStreamEncryption, StopStreamEncryption,
    SubscribeToShard, TagResource, UntagResource, UpdateAccountSettings, UpdateMaxRecordSize, UpdateShardCount,
    UpdateStreamMode, UpdateStreamWarmThroughput,
}

public static class KinesisTarget
{
    public const string Prefix = "Kinesis_20131202.";

    /// <summary>The credential scope's service and the IAM action prefix.</summary>
    public const string SigningName = "kinesis";

    private static readonly FrozenDictionary<string, KinesisAction> s_byTarget =
        Enum.GetValues<KinesisAction>().Where(a => a != KinesisAction.Unknown)
            .ToFrozenDictionary(a => Prefix + a, a => a, StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, KinesisAction> s_byName =
        Enum.GetValues<KinesisAction>().Where(a => a != KinesisAction.Unknown)
            .ToFrozenDictionary(a => a.ToString(), a => a, StringComparer.Ordinal);

    /// <summary>Maps an operation name (<c>PutRecords</c>) to its action, or <see cref="KinesisAction.Unknown"/>.</summary>
    public static KinesisAction ParseOperation(string? name) =>
        name is not null && s_byName.TryGetValue(name, out var action) ? action : KinesisAction.Unknown;

    /// <summary>Maps an <c>X-Amz-Target</c> value (<c>Kinesis_20131202.PutRecords</c>) to its action, or <see cref="KinesisAction.Unknown"/>.</summary>
    public static KinesisAction Parse(string? target) =>
        target is not null && s_byTarget.TryGetValue(target, out var action) ? action : KinesisAction.Unknown;
}
