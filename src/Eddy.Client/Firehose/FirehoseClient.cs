using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Eddy.Client.Http;

namespace Eddy.Client.Firehose;

/// <summary>
/// A small typed Firehose client (<c>Firehose_20150804.*</c>, signing name <c>firehose</c>, AWS JSON 1.1): the operations
/// Eddy's tools need — create, describe, delete, PutRecordBatch (typed, or a body encoded once for load) — as records
/// named after the model's members, JSON by source generation (<see cref="FirehoseJsonContext"/>), errors as
/// <see cref="EddyServiceException"/>, retries and signing by <see cref="EddyHttp"/>.
/// </summary>
/// <remarks>Thread-safe, as its <see cref="EddyHttp"/>; dispose it to close the transport it made.</remarks>
public sealed class FirehoseClient : IDisposable
{
    public const string TargetPrefix = "Firehose_20150804.";
    public const string SigningService = "firehose";

    /// <summary>A client with its own transport: the options with Firehose's signing name and JSON.</summary>
    public FirehoseClient(EddyClientOptions? options = null)
    {
        Http = new EddyHttp((options ?? new EddyClientOptions()) with { SigningService = SigningService, Format = WireFormat.Json });
    }

    public EddyHttp Http { get; }

    public void Dispose() => Http.Dispose();

    public Task<CreateDeliveryStreamResponse> CreateDeliveryStreamAsync(CreateDeliveryStreamRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync("CreateDeliveryStream", request, FirehoseJsonContext.Default.CreateDeliveryStreamRequest, FirehoseJsonContext.Default.CreateDeliveryStreamResponse, cancellationToken);

    public Task<DescribeDeliveryStreamResponse> DescribeDeliveryStreamAsync(DescribeDeliveryStreamRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync("DescribeDeliveryStream", request, FirehoseJsonContext.Default.DescribeDeliveryStreamRequest, FirehoseJsonContext.Default.DescribeDeliveryStreamResponse, cancellationToken);

    public Task<DeleteDeliveryStreamResponse> DeleteDeliveryStreamAsync(DeleteDeliveryStreamRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync("DeleteDeliveryStream", request, FirehoseJsonContext.Default.DeleteDeliveryStreamRequest, FirehoseJsonContext.Default.DeleteDeliveryStreamResponse, cancellationToken);

    public Task<PutRecordBatchResponse> PutRecordBatchAsync(PutRecordBatchRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync("PutRecordBatch", request, FirehoseJsonContext.Default.PutRecordBatchRequest, FirehoseJsonContext.Default.PutRecordBatchResponse, cancellationToken);

    /// <summary>The JSON body of a PutRecordBatch, to send many times with <see cref="PutRecordBatchRawAsync"/>.</summary>
    public static byte[] EncodePutRecordBatch(PutRecordBatchRequest request) =>
        JsonSerializer.SerializeToUtf8Bytes(request, FirehoseJsonContext.Default.PutRecordBatchRequest);

    /// <summary>PutRecordBatch with a body encoded once; the answer's FailedPutCount.</summary>
    public async Task<int> PutRecordBatchRawAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        using var response = await Http.SendAsync(TargetPrefix + "PutRecordBatch", body, null, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccess)
        {
            throw response.ToException("PutRecordBatch");
        }
        return JsonSerializer.Deserialize(response.Span, FirehoseJsonContext.Default.PutRecordBatchResponse)!.FailedPutCount;
    }

    /// <summary>Eddy's per-delivery-stream counters (<c>GET /_eddy/firehose/metrics</c>, unsigned).</summary>
    public async Task<IReadOnlyList<DeliveryStreamMetrics>> GetMetricsAsync(CancellationToken cancellationToken = default)
    {
        using var response = await Http.SendAsync(new EddyRequest { Method = HttpMethod.Get, Path = "/_eddy/firehose/metrics", Sign = false }, null, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccess)
        {
            throw response.ToException("GetFirehoseMetrics");
        }
        return JsonSerializer.Deserialize(response.Span, FirehoseJsonContext.Default.IReadOnlyListDeliveryStreamMetrics) ?? [];
    }

    private async Task<TResponse> InvokeAsync<TRequest, TResponse>(string operation, TRequest request, JsonTypeInfo<TRequest> requestInfo, JsonTypeInfo<TResponse> responseInfo, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, requestInfo);
        using var response = await Http.SendAsync(TargetPrefix + operation, body, null, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccess)
        {
            throw response.ToException(operation);
        }
        try
        {
            return JsonSerializer.Deserialize(response.Span.IsEmpty ? "{}"u8 : response.Span, responseInfo) ?? throw new JsonException("The answer is null.");
        }
        catch (JsonException e)
        {
            throw new EddyServiceException("InvalidResponse", $"The {operation} answer cannot be read: {e.Message}", response.Status, operation: operation);
        }
    }
}
