namespace Eddy.Client.Kinesis;

public sealed partial class KinesisClient
{
    /// <summary>Kinesis <c>AddTagsToStream</c>.</summary>
    public Task AddTagsToStreamAsync(AddTagsToStreamRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.AddTagsToStream, request, KinesisJsonContext.Default.AddTagsToStreamRequest, cancellationToken);

    /// <summary>Kinesis <c>CreateStream</c>.</summary>
    public Task CreateStreamAsync(CreateStreamRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.CreateStream, request, KinesisJsonContext.Default.CreateStreamRequest, cancellationToken);

    /// <summary>Kinesis <c>DecreaseStreamRetentionPeriod</c>.</summary>
    public Task DecreaseStreamRetentionPeriodAsync(DecreaseStreamRetentionPeriodRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.DecreaseStreamRetentionPeriod, request, KinesisJsonContext.Default.DecreaseStreamRetentionPeriodRequest, cancellationToken);

    /// <summary>Kinesis <c>DeleteResourcePolicy</c>.</summary>
    public Task DeleteResourcePolicyAsync(DeleteResourcePolicyRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.DeleteResourcePolicy, request, KinesisJsonContext.Default.DeleteResourcePolicyRequest, cancellationToken);

    /// <summary>Kinesis <c>DeleteStream</c>.</summary>
    public Task DeleteStreamAsync(DeleteStreamRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.DeleteStream, request, KinesisJsonContext.Default.DeleteStreamRequest, cancellationToken);

    /// <summary>Kinesis <c>DeregisterStreamConsumer</c>.</summary>
    public Task DeregisterStreamConsumerAsync(DeregisterStreamConsumerRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.DeregisterStreamConsumer, request, KinesisJsonContext.Default.DeregisterStreamConsumerRequest, cancellationToken);

    /// <summary>Kinesis <c>DescribeAccountSettings</c>.</summary>
    public Task<DescribeAccountSettingsResponse> DescribeAccountSettingsAsync(DescribeAccountSettingsRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.DescribeAccountSettings, request, KinesisJsonContext.Default.DescribeAccountSettingsRequest, KinesisJsonContext.Default.DescribeAccountSettingsResponse, cancellationToken);

    /// <summary>Kinesis <c>DescribeLimits</c>.</summary>
    public Task<DescribeLimitsResponse> DescribeLimitsAsync(DescribeLimitsRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.DescribeLimits, request, KinesisJsonContext.Default.DescribeLimitsRequest, KinesisJsonContext.Default.DescribeLimitsResponse, cancellationToken);

    /// <summary>Kinesis <c>DescribeStream</c>.</summary>
    public Task<DescribeStreamResponse> DescribeStreamAsync(DescribeStreamRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.DescribeStream, request, KinesisJsonContext.Default.DescribeStreamRequest, KinesisJsonContext.Default.DescribeStreamResponse, cancellationToken);

    /// <summary>Kinesis <c>DescribeStreamConsumer</c>.</summary>
    public Task<DescribeStreamConsumerResponse> DescribeStreamConsumerAsync(DescribeStreamConsumerRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.DescribeStreamConsumer, request, KinesisJsonContext.Default.DescribeStreamConsumerRequest, KinesisJsonContext.Default.DescribeStreamConsumerResponse, cancellationToken);

    /// <summary>Kinesis <c>DescribeStreamSummary</c>.</summary>
    public Task<DescribeStreamSummaryResponse> DescribeStreamSummaryAsync(DescribeStreamSummaryRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.DescribeStreamSummary, request, KinesisJsonContext.Default.DescribeStreamSummaryRequest, KinesisJsonContext.Default.DescribeStreamSummaryResponse, cancellationToken);

    /// <summary>Kinesis <c>DisableEnhancedMonitoring</c>.</summary>
    public Task<EnhancedMonitoringResponse> DisableEnhancedMonitoringAsync(DisableEnhancedMonitoringRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.DisableEnhancedMonitoring, request, KinesisJsonContext.Default.DisableEnhancedMonitoringRequest, KinesisJsonContext.Default.EnhancedMonitoringResponse, cancellationToken);

    /// <summary>Kinesis <c>EnableEnhancedMonitoring</c>.</summary>
    public Task<EnhancedMonitoringResponse> EnableEnhancedMonitoringAsync(EnableEnhancedMonitoringRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.EnableEnhancedMonitoring, request, KinesisJsonContext.Default.EnableEnhancedMonitoringRequest, KinesisJsonContext.Default.EnhancedMonitoringResponse, cancellationToken);

    /// <summary>Kinesis <c>GetRecords</c>.</summary>
    public Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.GetRecords, request, KinesisJsonContext.Default.GetRecordsRequest, KinesisJsonContext.Default.GetRecordsResponse, cancellationToken);

    /// <summary>Kinesis <c>GetResourcePolicy</c>.</summary>
    public Task<GetResourcePolicyResponse> GetResourcePolicyAsync(GetResourcePolicyRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.GetResourcePolicy, request, KinesisJsonContext.Default.GetResourcePolicyRequest, KinesisJsonContext.Default.GetResourcePolicyResponse, cancellationToken);

    /// <summary>Kinesis <c>GetShardIterator</c>.</summary>
    public Task<GetShardIteratorResponse> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.GetShardIterator, request, KinesisJsonContext.Default.GetShardIteratorRequest, KinesisJsonContext.Default.GetShardIteratorResponse, cancellationToken);

    /// <summary>Kinesis <c>IncreaseStreamRetentionPeriod</c>.</summary>
    public Task IncreaseStreamRetentionPeriodAsync(IncreaseStreamRetentionPeriodRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.IncreaseStreamRetentionPeriod, request, KinesisJsonContext.Default.IncreaseStreamRetentionPeriodRequest, cancellationToken);

    /// <summary>Kinesis <c>ListShards</c>.</summary>
    public Task<ListShardsResponse> ListShardsAsync(ListShardsRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.ListShards, request, KinesisJsonContext.Default.ListShardsRequest, KinesisJsonContext.Default.ListShardsResponse, cancellationToken);

    /// <summary>Kinesis <c>ListStreamConsumers</c>.</summary>
    public Task<ListStreamConsumersResponse> ListStreamConsumersAsync(ListStreamConsumersRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.ListStreamConsumers, request, KinesisJsonContext.Default.ListStreamConsumersRequest, KinesisJsonContext.Default.ListStreamConsumersResponse, cancellationToken);

    /// <summary>Kinesis <c>ListStreams</c>.</summary>
    public Task<ListStreamsResponse> ListStreamsAsync(ListStreamsRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.ListStreams, request, KinesisJsonContext.Default.ListStreamsRequest, KinesisJsonContext.Default.ListStreamsResponse, cancellationToken);

    /// <summary>Kinesis <c>ListTagsForResource</c>.</summary>
    public Task<ListTagsForResourceResponse> ListTagsForResourceAsync(ListTagsForResourceRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.ListTagsForResource, request, KinesisJsonContext.Default.ListTagsForResourceRequest, KinesisJsonContext.Default.ListTagsForResourceResponse, cancellationToken);

    /// <summary>Kinesis <c>ListTagsForStream</c>.</summary>
    public Task<ListTagsForStreamResponse> ListTagsForStreamAsync(ListTagsForStreamRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.ListTagsForStream, request, KinesisJsonContext.Default.ListTagsForStreamRequest, KinesisJsonContext.Default.ListTagsForStreamResponse, cancellationToken);

    /// <summary>Kinesis <c>MergeShards</c>.</summary>
    public Task MergeShardsAsync(MergeShardsRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.MergeShards, request, KinesisJsonContext.Default.MergeShardsRequest, cancellationToken);

    /// <summary>Kinesis <c>PutRecord</c>.</summary>
    public Task<PutRecordResponse> PutRecordAsync(PutRecordRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.PutRecord, request, KinesisJsonContext.Default.PutRecordRequest, KinesisJsonContext.Default.PutRecordResponse, cancellationToken);

    /// <summary>Kinesis <c>PutRecords</c>.</summary>
    public Task<PutRecordsResponse> PutRecordsAsync(PutRecordsRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.PutRecords, request, KinesisJsonContext.Default.PutRecordsRequest, KinesisJsonContext.Default.PutRecordsResponse, cancellationToken);

    /// <summary>Kinesis <c>PutResourcePolicy</c>.</summary>
    public Task PutResourcePolicyAsync(PutResourcePolicyRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.PutResourcePolicy, request, KinesisJsonContext.Default.PutResourcePolicyRequest, cancellationToken);

    /// <summary>Kinesis <c>RegisterStreamConsumer</c>.</summary>
    public Task<RegisterStreamConsumerResponse> RegisterStreamConsumerAsync(RegisterStreamConsumerRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.RegisterStreamConsumer, request, KinesisJsonContext.Default.RegisterStreamConsumerRequest, KinesisJsonContext.Default.RegisterStreamConsumerResponse, cancellationToken);

    /// <summary>Kinesis <c>RemoveTagsFromStream</c>.</summary>
    public Task RemoveTagsFromStreamAsync(RemoveTagsFromStreamRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.RemoveTagsFromStream, request, KinesisJsonContext.Default.RemoveTagsFromStreamRequest, cancellationToken);

    /// <summary>Kinesis <c>SplitShard</c>.</summary>
    public Task SplitShardAsync(SplitShardRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.SplitShard, request, KinesisJsonContext.Default.SplitShardRequest, cancellationToken);

    /// <summary>Kinesis <c>StartStreamEncryption</c>.</summary>
    public Task StartStreamEncryptionAsync(StartStreamEncryptionRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.StartStreamEncryption, request, KinesisJsonContext.Default.StartStreamEncryptionRequest, cancellationToken);

    /// <summary>Kinesis <c>StopStreamEncryption</c>.</summary>
    public Task StopStreamEncryptionAsync(StopStreamEncryptionRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.StopStreamEncryption, request, KinesisJsonContext.Default.StopStreamEncryptionRequest, cancellationToken);

    /// <summary>Kinesis <c>TagResource</c>.</summary>
    public Task TagResourceAsync(TagResourceRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.TagResource, request, KinesisJsonContext.Default.TagResourceRequest, cancellationToken);

    /// <summary>Kinesis <c>UntagResource</c>.</summary>
    public Task UntagResourceAsync(UntagResourceRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.UntagResource, request, KinesisJsonContext.Default.UntagResourceRequest, cancellationToken);

    /// <summary>Kinesis <c>UpdateAccountSettings</c>.</summary>
    public Task<UpdateAccountSettingsResponse> UpdateAccountSettingsAsync(UpdateAccountSettingsRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.UpdateAccountSettings, request, KinesisJsonContext.Default.UpdateAccountSettingsRequest, KinesisJsonContext.Default.UpdateAccountSettingsResponse, cancellationToken);

    /// <summary>Kinesis <c>UpdateMaxRecordSize</c>.</summary>
    public Task UpdateMaxRecordSizeAsync(UpdateMaxRecordSizeRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.UpdateMaxRecordSize, request, KinesisJsonContext.Default.UpdateMaxRecordSizeRequest, cancellationToken);

    /// <summary>Kinesis <c>UpdateShardCount</c>.</summary>
    public Task<UpdateShardCountResponse> UpdateShardCountAsync(UpdateShardCountRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.UpdateShardCount, request, KinesisJsonContext.Default.UpdateShardCountRequest, KinesisJsonContext.Default.UpdateShardCountResponse, cancellationToken);

    /// <summary>Kinesis <c>UpdateStreamMode</c>.</summary>
    public Task UpdateStreamModeAsync(UpdateStreamModeRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.UpdateStreamMode, request, KinesisJsonContext.Default.UpdateStreamModeRequest, cancellationToken);

    /// <summary>Kinesis <c>UpdateStreamWarmThroughput</c>.</summary>
    public Task<UpdateStreamWarmThroughputResponse> UpdateStreamWarmThroughputAsync(UpdateStreamWarmThroughputRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(KinesisOperations.UpdateStreamWarmThroughput, request, KinesisJsonContext.Default.UpdateStreamWarmThroughputRequest, KinesisJsonContext.Default.UpdateStreamWarmThroughputResponse, cancellationToken);
}
