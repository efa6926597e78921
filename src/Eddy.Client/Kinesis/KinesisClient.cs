using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Eddy.Client.Http;
using Eddy.Protocol.Cbor;
using Eddy.Protocol.EventStream;
using Eddy.Protocol.Model;

namespace Eddy.Client.Kinesis;

/// <summary>
/// A typed Kinesis Data Streams client: one method per action (<c>KinesisClient.Operations.cs</c>), records checked
/// against the botocore model, JSON through source generation, CBOR by transcoding that JSON with the operation's shape
/// (<see cref="CborJson"/>), errors as <see cref="EddyServiceException"/>, retries and signing by <see cref="EddyHttp"/>.
/// SubscribeToShard is an <see cref="IAsyncEnumerable{T}"/> of events.
/// </summary>
public sealed partial class KinesisClient : IDisposable
{
    private readonly bool _ownsHttp;

    /// <summary>A client with its own transport.</summary>
    public KinesisClient(EddyClientOptions? options = null)
        : this(new EddyHttp(options), ownsHttp: true)
    {
    }

    /// <summary>A client over a shared transport (disposed with the client only when <paramref name="ownsHttp"/>).</summary>
    public KinesisClient(EddyHttp http, bool ownsHttp = false)
    {
        Http = http ?? throw new ArgumentNullException(nameof(http));
        _ownsHttp = ownsHttp;
    }

    /// <summary>The transport: for raw calls with ready bodies.</summary>
    public EddyHttp Http { get; }

    private WireFormat Format => Http.Options.Format;

    public void Dispose()
    {
        if (_ownsHttp) Http.Dispose();
    }

    /// <summary>
    /// SubscribeToShard: the events of the subscription, as they arrive, after its <c>initial-response</c>; ends when
    /// the server ends the subscription (after 5 minutes, or at the shard's end: the last event names its ChildShards).
    /// An error answer, or an exception message in the stream, is thrown as an <see cref="EddyServiceException"/>.
    /// </summary>
    public async IAsyncEnumerable<SubscribeToShardEvent> SubscribeToShardAsync(
        SubscribeToShardRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var target = KinesisOperations.Target(KinesisOperations.SubscribeToShard);
        var body = Encode(KinesisOperations.SubscribeToShard, request, KinesisJsonContext.Default.SubscribeToShardRequest);
        using var response = await Http.OpenStreamAsync(new EddyRequest { Target = target, Body = body }, cancellationToken).ConfigureAwait(false);
        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (contentType != EventStreamWriter.ContentType)
        {
            throw new EddyServiceException("InvalidResponse", $"SubscribeToShard answered with Content-Type {contentType ?? "(none)"}.", response.StatusCode, operation: KinesisOperations.SubscribeToShard);
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var started = false;
            await foreach (var message in EventStreamReader.ReadAllAsync(stream, cancellationToken).ConfigureAwait(false))
            {
                switch (message.MessageType)
                {
                    case EventStreamHeaders.MessageTypeEvent when message.EventType == EventStreamHeaders.InitialResponse:
                        started = true;
                        break;
                    case EventStreamHeaders.MessageTypeEvent when message.EventType == EventStreamHeaders.SubscribeToShardEvent:
                        if (!started) throw Invalid("the first message is not the initial-response", response);
                        yield return Decode(
                            KinesisOperations.SubscribeToShard, message.Payload, message.ContentType ?? "", KinesisJsonContext.Default.SubscribeToShardEvent,
                            static () => ServiceModel.Kinesis.Shapes["SubscribeToShardEvent"]);
                        break;
                    case EventStreamHeaders.MessageTypeEvent:
                        break; // an event type this client does not know: skipped, as the SDKs do
                    case EventStreamHeaders.MessageTypeException:
                        throw ErrorBody.ToException(response.StatusCode, message.Payload, message.ContentType, message.ExceptionType, null, KinesisOperations.SubscribeToShard);
                    case EventStreamHeaders.MessageTypeError:
                        throw new EddyServiceException(message.ErrorCode ?? "InternalFailure", message.ErrorMessage ?? "", response.StatusCode, operation: KinesisOperations.SubscribeToShard);
                    default:
                        throw Invalid($"unknown :message-type {message.MessageType ?? "(none)"}", response);
                }
            }
        }

        static EddyServiceException Invalid(string what, HttpResponseMessage response) =>
            new("InvalidResponse", $"SubscribeToShard event stream: {what}.", response.StatusCode, operation: KinesisOperations.SubscribeToShard);
    }

    /// <summary>Encodes a request in the client's format.</summary>
    public byte[] Encode<TRequest>(string operation, TRequest request, JsonTypeInfo<TRequest> requestInfo)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(request, requestInfo);
        if (Format != WireFormat.Cbor) return json;
        var cbor = new ArrayBufferWriter<byte>(json.Length);
        CborJson.ToCbor(json, OperationOf(operation).Input, cbor);
        return cbor.WrittenSpan.ToArray();
    }

    private async Task<TResponse> InvokeAsync<TRequest, TResponse>(
        string operation, TRequest request, JsonTypeInfo<TRequest> requestInfo, JsonTypeInfo<TResponse> responseInfo, CancellationToken cancellationToken)
    {
        using var response = await CallAsync(operation, request, requestInfo, cancellationToken).ConfigureAwait(false);
        return Decode(operation, response.Span, response.ContentType ?? "", responseInfo, () => OperationOf(operation).Output);
    }

    private async Task InvokeAsync<TRequest>(string operation, TRequest request, JsonTypeInfo<TRequest> requestInfo, CancellationToken cancellationToken)
    {
        using var _ = await CallAsync(operation, request, requestInfo, cancellationToken).ConfigureAwait(false);
    }

    private async Task<EddyResponse> CallAsync<TRequest>(string operation, TRequest request, JsonTypeInfo<TRequest> requestInfo, CancellationToken cancellationToken)
    {
        var body = Encode(operation, request, requestInfo);
        var response = await Http.SendAsync(KinesisOperations.Target(operation), body, null, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccess) return response;
        using (response) throw response.ToException(operation);
    }

    /// <summary>Reads an answer; the model (parsed on first use) is consulted only for a CBOR answer.</summary>
    private static TResponse Decode<TResponse>(string operation, ReadOnlySpan<byte> body, string contentType, JsonTypeInfo<TResponse> info, Func<Shape?> shape)
    {
        try
        {
            ReadOnlySpan<byte> json = body.IsEmpty ? "{}"u8 : body;
            if (contentType.StartsWith(WireFormats.CborContentType, StringComparison.OrdinalIgnoreCase) && !body.IsEmpty)
            {
                var transcoded = new ArrayBufferWriter<byte>(body.Length * 2 + 16);
                CborJson.ToJson(body, shape(), transcoded);
                json = transcoded.WrittenSpan;
            }

            return JsonSerializer.Deserialize(json, info) ?? throw new JsonException("The answer is null.");
        }
        catch (Exception e) when (e is JsonException or CborException)
        {
            throw new EddyServiceException("InvalidResponse", $"The {operation} answer cannot be read: {e.Message}", System.Net.HttpStatusCode.OK, operation: operation);
        }
    }

    private static Operation OperationOf(string operation) =>
        ServiceModel.Kinesis.TryGetOperation(operation, out var op) ? op : throw new ArgumentException($"Kinesis has no action {operation}.", nameof(operation));
}
