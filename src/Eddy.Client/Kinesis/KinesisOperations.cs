namespace Eddy.Client.Kinesis;

/// <summary>The Kinesis actions, and their X-Amz-Target values.</summary>
public static class KinesisOperations
{
    /// <summary>The X-Amz-Target prefix of Kinesis Data Streams (the model's <c>targetPrefix</c> and a dot).</summary>
    public const string TargetPrefix = "Kinesis_20131202.";

    public const string AddTagsToStream = "AddTagsToStream";
    public const string CreateStream = "CreateStream";
    public const string DecreaseStreamRetentionPeriod = "DecreaseStreamRetentionPeriod";
    public const string DeleteResourcePolicy = "DeleteResourcePolicy";
    public const string DeleteStream = "DeleteStream";
    public const string DeregisterStreamConsumer = "DeregisterStreamConsumer";
    public const string DescribeAccountSettings = "DescribeAccountSettings";
    public const string DescribeLimits = "DescribeLimits";
    public const string DescribeStream = "DescribeStream";
    public const string DescribeStreamConsumer = "DescribeStreamConsumer";
    public const string DescribeStreamSummary = "DescribeStreamSummary";
    public const string DisableEnhancedMonitoring = "DisableEnhancedMonitoring";
    public const string EnableEnhancedMonitoring = "EnableEnhancedMonitoring";
    public const string GetRecords = "GetRecords";
    public const string GetResourcePolicy = "GetResourcePolicy";
    public const string GetShardIterator = "GetShardIterator";
    public const string IncreaseStreamRetentionPeriod = "IncreaseStreamRetentionPeriod";
    public const string ListShards = "ListShards";
    public const string ListStreamConsumers = "ListStreamConsumers";
    public const string ListStreams = "ListStreams";
    public const string ListTagsForResource = "ListTagsForResource";
    public const string ListTagsForStream = "ListTagsForStream";
    public const string MergeShards = "MergeShards";
    public const string PutRecord = "PutRecord";
    public const string PutRecords = "PutRecords";
    public const string PutResourcePolicy = "PutResourcePolicy";
    public const string RegisterStreamConsumer = "RegisterStreamConsumer";
    public const string RemoveTagsFromStream = "RemoveTagsFromStream";
    public const string SplitShard = "SplitShard";
    public const string StartStreamEncryption = "StartStreamEncryption";
    public const string StopStreamEncryption = "StopStreamEncryption";
    public const string SubscribeToShard = "SubscribeToShard";
    public const string TagResource = "TagResource";
    public const string UntagResource = "UntagResource";
    public const string UpdateAccountSettings = "UpdateAccountSettings";
    public const string UpdateMaxRecordSize = "UpdateMaxRecordSize";
    public const string UpdateShardCount = "UpdateShardCount";
    public const string UpdateStreamMode = "UpdateStreamMode";
    public const string UpdateStreamWarmThroughput = "UpdateStreamWarmThroughput";

    /// <summary>The X-Amz-Target of <paramref name="operation"/>.</summary>
    public static string Target(string operation) => TargetPrefix + operation;
}
