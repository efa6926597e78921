using Eddy.Core.Firehose;
using Eddy.Protocol.Model;
using Eddy.Server.Firehose.Handlers;
using Microsoft.Extensions.DependencyInjection;

namespace Eddy.Server.Firehose;

/// <summary>
/// Firehose on Eddy's port (<c>X-Amz-Target: Firehose_20150804.&lt;Operation&gt;</c>, signing name <c>firehose</c>): the
/// operation resolved once into <see cref="FirehoseAction"/>, one switch, one handler file per operation under
/// <c>Handlers/</c>. The shared <see cref="JsonEndpoint"/> has read the body and resolved the operation in the Firehose
/// model; <see cref="JsonRequest.ReadAsync"/> parses, filters and validates by that model; refusals are
/// <see cref="FirehoseException"/>s, written by the endpoint in AWS's shape.
/// </summary>
/// <remarks>Threading: called concurrently; handlers keep no state between calls.</remarks>
public sealed class FirehoseService(IFirehoseEngine engine) : JsonService(ServiceModel.Firehose)
{
    public override async ValueTask InvokeAsync(JsonRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var action = Parse(request.Operation.Name);
        using var document = await ReadAsync(request).ConfigureAwait(false);
        var c = new FirehoseCall(engine, document.RootElement, request.Output, request.Http.RequestAborted);
        await (action switch
        {
            FirehoseAction.CreateDeliveryStream => CreateDeliveryStream.HandleAsync(c),
            FirehoseAction.DeleteDeliveryStream => DeleteDeliveryStream.HandleAsync(c),
            FirehoseAction.DescribeDeliveryStream => DescribeDeliveryStream.HandleAsync(c),
            FirehoseAction.ListDeliveryStreams => ListDeliveryStreams.HandleAsync(c),
            FirehoseAction.ListTagsForDeliveryStream => ListTagsForDeliveryStream.HandleAsync(c),
            FirehoseAction.PutRecord => PutRecord.HandleAsync(c),
            FirehoseAction.PutRecordBatch => PutRecordBatch.HandleAsync(c),
            FirehoseAction.StartDeliveryStreamEncryption => StartDeliveryStreamEncryption.HandleAsync(c),
            FirehoseAction.StopDeliveryStreamEncryption => StopDeliveryStreamEncryption.HandleAsync(c),
            FirehoseAction.TagDeliveryStream => TagDeliveryStream.HandleAsync(c),
            FirehoseAction.UntagDeliveryStream => UntagDeliveryStream.HandleAsync(c),
            FirehoseAction.UpdateDestination => UpdateDestination.HandleAsync(c),
            _ => throw new Core.ServiceException("UnknownOperationException", null),
        }).ConfigureAwait(false);
        c.Flush();
    }

    /// <summary>Parse, filters, the model's constraints. A broken constraint is Firehose's InvalidArgumentException with
    /// the validator's message (shared/specs/firehose.md §13: 501 records → InvalidArgumentException).</summary>
    private static async ValueTask<System.Text.Json.JsonDocument> ReadAsync(JsonRequest request)
    {
        try
        {
            return await request.ReadAsync().ConfigureAwait(false);
        }
        catch (Core.ServiceException e) when (e.ErrorType == "ValidationException")
        {
            throw FirehoseException.Invalid(e.ErrorMessage ?? "");
        }
    }

    /// <summary>The operation's enum (once per request; the model already resolved the name).</summary>
    public static FirehoseAction Parse(string operation) => operation switch
    {
        "CreateDeliveryStream" => FirehoseAction.CreateDeliveryStream,
        "DeleteDeliveryStream" => FirehoseAction.DeleteDeliveryStream,
        "DescribeDeliveryStream" => FirehoseAction.DescribeDeliveryStream,
        "ListDeliveryStreams" => FirehoseAction.ListDeliveryStreams,
        "ListTagsForDeliveryStream" => FirehoseAction.ListTagsForDeliveryStream,
        "PutRecord" => FirehoseAction.PutRecord,
        "PutRecordBatch" => FirehoseAction.PutRecordBatch,
        "StartDeliveryStreamEncryption" => FirehoseAction.StartDeliveryStreamEncryption,
        "StopDeliveryStreamEncryption" => FirehoseAction.StopDeliveryStreamEncryption,
        "TagDeliveryStream" => FirehoseAction.TagDeliveryStream,
        "UntagDeliveryStream" => FirehoseAction.UntagDeliveryStream,
        "UpdateDestination" => FirehoseAction.UpdateDestination,
        _ => FirehoseAction.Unknown,
    };
}

/// <summary>The Firehose_20150804 operations.</summary>
public enum FirehoseAction
{
    Unknown,
    CreateDeliveryStream,
    DeleteDeliveryStream,
    DescribeDeliveryStream,
    ListDeliveryStreams,
    ListTagsForDeliveryStream,
    PutRecord,
    PutRecordBatch,
    StartDeliveryStreamEncryption,
    StopDeliveryStreamEncryption,
    TagDeliveryStream,
    UntagDeliveryStream,
    UpdateDestination,
}

/// <summary>Registration of the Firehose API on Eddy's port.</summary>
public static class FirehoseServiceCollectionExtensions
{
    /// <summary>Adds Firehose as a JSON service over the <see cref="IFirehoseEngine"/> registered in the container, and
    /// <c>/_eddy/firehose/metrics</c> over its <see cref="IFirehoseMetrics"/>.</summary>
    public static IServiceCollection AddFirehoseApi(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<JsonService, FirehoseService>();
        return services.AddSingleton<IAdminEndpoint, FirehoseMetricsEndpoint>();
    }
}
