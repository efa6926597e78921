using Eddy.Core;

namespace Eddy.Streams.Tests;

/// <summary>
/// The engine's control-plane reads are asynchronous (they wait for the control lock without blocking a thread);
/// these synchronous forms keep the tests' assertions short. Test code only.
/// </summary>
internal static class EngineSync
{
    public static StreamPage DescribeStream(this StreamEngine e, StreamRef s, int? limit, string? exclusiveStartShardId) => Wait(e.DescribeStreamAsync(s, limit, exclusiveStartShardId));

    public static StreamView DescribeStreamSummary(this StreamEngine e, StreamRef s) => Wait(e.DescribeStreamSummaryAsync(s));

    public static ListStreamsResult ListStreams(this StreamEngine e, int? limit, string? exclusiveStartStreamName, string? nextToken) =>
        Wait(e.ListStreamsAsync(limit, exclusiveStartStreamName, nextToken));

    public static ListShardsResult ListShards(this StreamEngine e, StreamRef s, string? nextToken, string? exclusiveStartShardId, int? maxResults,
        DateTimeOffset? streamCreationTimestamp, ShardFilterType? filterType, string? filterShardId, DateTimeOffset? filterTimestamp) =>
        Wait(e.ListShardsAsync(s, nextToken, exclusiveStartShardId, maxResults, streamCreationTimestamp, filterType, filterShardId, filterTimestamp));

    public static TagListResult ListTagsForStream(this StreamEngine e, StreamRef s, string? exclusiveStartTagKey, int? limit) => Wait(e.ListTagsForStreamAsync(s, exclusiveStartTagKey, limit));

    public static IReadOnlyList<KeyValuePair<string, string>> ListTagsForResource(this StreamEngine e, string arn) => Wait(e.ListTagsForResourceAsync(arn));

    public static ConsumerView DescribeConsumer(this StreamEngine e, string? streamArn, string? consumerName, string? consumerArn) => Wait(e.DescribeConsumerAsync(streamArn, consumerName, consumerArn));

    public static ListConsumersResult ListConsumers(this StreamEngine e, string streamArn, string? nextToken, int? maxResults, DateTimeOffset? streamCreationTimestamp) =>
        Wait(e.ListConsumersAsync(streamArn, nextToken, maxResults, streamCreationTimestamp));

    public static LimitsView DescribeLimits(this StreamEngine e) => Wait(e.DescribeLimitsAsync());

    public static BillingCommitment DescribeAccountSettings(this StreamEngine e) => Wait(e.DescribeAccountSettingsAsync());

    public static string GetResourcePolicy(this StreamEngine e, string arn) => Wait(e.GetResourcePolicyAsync(arn));

    public static IShardReader OpenReader(this StreamEngine e, StreamRef s, string shardId, ShardPosition from) => Wait(e.OpenReaderAsync(s, shardId, from));

    public static StreamShards DescribeShards(this StreamEngine e, StreamRef s) => Wait(e.DescribeShardsAsync(s));

    private static T Wait<T>(ValueTask<T> pending) => pending.AsTask().GetAwaiter().GetResult();
}
