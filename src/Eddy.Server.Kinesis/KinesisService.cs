using Eddy.Core;
using Eddy.Protocol;
using Eddy.Protocol.Model;
using Eddy.Server.Kinesis.Handlers;
using Microsoft.Extensions.DependencyInjection;

namespace Eddy.Server.Kinesis;

/// <summary>
/// Kinesis Data Streams on Eddy's port (<c>X-Amz-Target: Kinesis_20131202.&lt;Action&gt;</c>): the action resolved
/// once, one switch, one handler file per action under <c>Handlers/</c>. The shared <see cref="JsonEndpoint"/> has
/// already read the body (CBOR transcoded) and resolved the operation; errors are <see cref="KinesisException"/>s,
/// written by the endpoint. PutRecord(s) take a fast path: one pass of <see cref="PutRecordsReader"/> parses and
/// checks the body; a body it refuses goes through the model's validator for AWS's exact message.
/// </summary>
public sealed class KinesisService(IStreamEngine engine) : JsonService(ServiceModel.Kinesis)
{
    public override async ValueTask InvokeAsync(JsonRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var action = KinesisTarget.ParseOperation(request.Operation.Name);
        if (action is KinesisAction.PutRecords or KinesisAction.PutRecord)
        {
            await PutAsync(request, action == KinesisAction.PutRecords).ConfigureAwait(false);
            return;
        }

        using var document = await request.ReadAsync().ConfigureAwait(false);
        var c = new Call(engine, document.RootElement, request.Output, request.Http) { Cbor = request.Cbor };
        await (action switch
        {
            KinesisAction.AddTagsToStream => AddTagsToStream.HandleAsync(c),
            KinesisAction.CreateStream => CreateStream.HandleAsync(c),
            KinesisAction.DecreaseStreamRetentionPeriod => DecreaseStreamRetentionPeriod.HandleAsync(c),
            KinesisAction.DeleteResourcePolicy => DeleteResourcePolicy.HandleAsync(c),
            KinesisAction.DeleteStream => DeleteStream.HandleAsync(c),
            KinesisAction.DeregisterStreamConsumer => DeregisterStreamConsumer.HandleAsync(c),
            KinesisAction.DescribeAccountSettings => DescribeAccountSettings.HandleAsync(c),
            KinesisAction.DescribeLimits => DescribeLimits.HandleAsync(c),
            KinesisAction.DescribeStream => DescribeStream.HandleAsync(c),
            KinesisAction.DescribeStreamConsumer => DescribeStreamConsumer.HandleAsync(c),
            KinesisAction.DescribeStreamSummary => DescribeStreamSummary.HandleAsync(c),
            KinesisAction.DisableEnhancedMonitoring => DisableEnhancedMonitoring.HandleAsync(c),
            KinesisAction.EnableEnhancedMonitoring => EnableEnhancedMonitoring.HandleAsync(c),
            KinesisAction.GetRecords => GetRecords.HandleAsync(c),
            KinesisAction.GetResourcePolicy => GetResourcePolicy.HandleAsync(c),
            KinesisAction.GetShardIterator => GetShardIterator.HandleAsync(c),
            KinesisAction.IncreaseStreamRetentionPeriod => IncreaseStreamRetentionPeriod.HandleAsync(c),
            KinesisAction.ListShards => ListShards.HandleAsync(c),
            KinesisAction.ListStreamConsumers => ListStreamConsumers.HandleAsync(c),
            KinesisAction.ListStreams => ListStreams.HandleAsync(c),
            KinesisAction.ListTagsForResource => ListTagsForResource.HandleAsync(c),
            KinesisAction.ListTagsForStream => ListTagsForStream.HandleAsync(c),
            KinesisAction.MergeShards => MergeShards.HandleAsync(c),
            KinesisAction.PutResourcePolicy => PutResourcePolicy.HandleAsync(c),
            KinesisAction.RegisterStreamConsumer => RegisterStreamConsumer.HandleAsync(c),
            KinesisAction.RemoveTagsFromStream => RemoveTagsFromStream.HandleAsync(c),
            KinesisAction.SplitShard => SplitShard.HandleAsync(c),
            KinesisAction.StartStreamEncryption => StartStreamEncryption.HandleAsync(c),
            KinesisAction.StopStreamEncryption => StopStreamEncryption.HandleAsync(c),
            KinesisAction.TagResource => TagResource.HandleAsync(c),
            KinesisAction.UntagResource => UntagResource.HandleAsync(c),
            KinesisAction.UpdateAccountSettings => UpdateAccountSettings.HandleAsync(c),
            KinesisAction.UpdateMaxRecordSize => UpdateMaxRecordSize.HandleAsync(c),
            KinesisAction.UpdateShardCount => UpdateShardCount.HandleAsync(c),
            KinesisAction.UpdateStreamMode => UpdateStreamMode.HandleAsync(c),
            KinesisAction.UpdateStreamWarmThroughput => UpdateStreamWarmThroughput.HandleAsync(c),
            KinesisAction.SubscribeToShard => SubscribeToShard.HandleAsync(c),
            _ => throw new KinesisException(ErrorCode.UnknownOperationException, null),
        }).ConfigureAwait(false);
        if (c.Streamed) request.Streamed = true;
        else c.Flush();
    }

    private async ValueTask PutAsync(JsonRequest request, bool many)
    {
        var body = request.Body;
        var data = BufferPool.Large.Rent(body.Length / 4 * 3 + 4);
        try
        {
            var put = new ParsedPut();
            if (!PutRecordsReader.TryParse(body, many, data, put))
            {
                using var refused = JsonRequest.Parse(body);
                await request.FilterAsync().ConfigureAwait(false);
                request.Validate(refused.RootElement);
                throw new KinesisException(ErrorCode.SerializationException, "The request body could not be parsed.");
            }
            await request.FilterAsync().ConfigureAwait(false);
            var call = new Call(engine, default, request.Output, request.Http) { Cbor = request.Cbor };
            if (many) await PutRecords.HandleAsync(call, put).ConfigureAwait(false);
            else await PutRecord.HandleAsync(call, put).ConfigureAwait(false);
            call.Flush();
        }
        finally
        {
            BufferPool.Large.Return(data);
        }
    }
}

/// <summary>Registration of the Kinesis API on Eddy's port.</summary>
public static class KinesisServiceCollectionExtensions
{
    /// <summary>Adds Kinesis Data Streams as a JSON service over the <see cref="IStreamEngine"/> registered in the
    /// container. Register it first to make it the default service (AWS's answers for unknown targets).</summary>
    public static IServiceCollection AddKinesisApi(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddSingleton<JsonService, KinesisService>();
    }
}
