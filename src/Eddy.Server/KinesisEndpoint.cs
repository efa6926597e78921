using System.Buffers;
using System.Collections.Frozen;
using System.Text;
using System.Text.Json;
using Eddy.Core;
using Eddy.Protocol;
using Eddy.Protocol.Cbor;
using Eddy.Protocol.Model;
using Eddy.Server.Handlers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Eddy.Server;

/// <summary>
/// The Kinesis JSON 1.1 endpoint (<c>POST /</c> with <c>X-Amz-Target: Kinesis_20131202.&lt;Action&gt;</c>). Checks run in
/// AWS's order: method, content type, target, body parse, type check (SerializationException), constraints
/// (ValidationException), then the action's business rules. Every response carries <c>x-amzn-RequestId</c>.
/// </summary>
public sealed partial class KinesisEndpoint(IStreamEngine engine, IEnumerable<IRequestFilter> filters, ILogger<KinesisEndpoint> logger)
{
    private readonly IRequestFilter[] _filters = [.. filters];

    /// <summary>Largest request body: a 10 MiB PutRecords (large records) is ~13.4 MiB in base64.</summary>
    public const int MaxBodyBytes = 16 * 1024 * 1024;
    private const string JsonContentType = "application/x-amz-json-1.1";

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        if (!HttpMethods.IsPost(request.Method))
        {
            await WriteXmlAsync(response, 403, "<AccessDeniedException><Message>Unable to determine service/operation name to be authorized</Message></AccessDeniedException>").ConfigureAwait(false);
            return;
        }
        var format = FormatOf(request.ContentType);
        if (format == WireFormat.None)
        {
            await WriteXmlAsync(response, 404, "<UnknownOperationException/>").ConfigureAwait(false);
            return;
        }
        var action = KinesisTarget.Parse(request.Headers["X-Amz-Target"].ToString());
        var cbor = format == WireFormat.Cbor;
        if (action == KinesisAction.Unknown)
        {
            await WriteErrorAsync(response, ErrorCode.UnknownOperationException, null, cbor).ConfigureAwait(false);
            return;
        }

        var (buffer, length) = await ReadBodyAsync(request).ConfigureAwait(false);
        using var output = new PooledBufferWriter();
        PooledBufferWriter? transcoded = null;
        try
        {
            if (length == 0) throw new KinesisException(ErrorCode.SerializationException, null);
            ReadOnlyMemory<byte> body = buffer.AsMemory(0, length);
            if (cbor)
            {
                // CBOR is transcoded to the JSON body it stands for, guided by the model, and handled as JSON.
                transcoded = new PooledBufferWriter(length * 2);
                try { CborJson.ToJson(body.Span, s_shapes[action].Input, transcoded); }
                catch (CborException e) { throw new KinesisException(ErrorCode.SerializationException, e.Message); }
                body = transcoded.WrittenMemory;
            }
            if (_filters.Length > 0)
            {
                var info = new RequestInfo(context, action, buffer.AsMemory(0, length), body);
                foreach (var filter in _filters) await filter.OnRequestAsync(info).ConfigureAwait(false);
            }
            var call = await DispatchAsync(action, body, output, context, cbor).ConfigureAwait(false);
            if (call.Streamed) return;
            call.Flush();
            response.StatusCode = 200;
            if (cbor)
            {
                using var encoded = new PooledBufferWriter(output.WrittenCount + 64);
                CborJson.ToCbor(output.WrittenSpan, s_shapes[action].Output, encoded);
                await WriteBodyAsync(response, CborJson.ContentType, encoded).ConfigureAwait(false);
            }
            else
            {
                await WriteBodyAsync(response, JsonContentType, output).ConfigureAwait(false);
            }
        }
        catch (KinesisException e) when (!response.HasStarted)
        {
            await WriteErrorAsync(response, e.Code, e.Message.Length == 0 ? null : e.Message, cbor).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // the client went away
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            LogInternalFailure(logger, action, e);
            if (!response.HasStarted) await WriteErrorAsync(response, ErrorCode.InternalFailure, null, cbor).ConfigureAwait(false);
        }
        finally
        {
            BufferPool.Large.Return(buffer);
            transcoded?.Dispose();
        }
    }

    private static Task WriteBodyAsync(HttpResponse response, string contentType, PooledBufferWriter body)
    {
        response.ContentType = contentType;
        response.ContentLength = body.WrittenCount;
        return body.WrittenCount > 0 ? response.Body.WriteAsync(body.WrittenMemory).AsTask() : Task.CompletedTask;
    }

    /// <summary>Each action's input and output shapes, for the CBOR transcoder.</summary>
    private static readonly FrozenDictionary<KinesisAction, (Shape? Input, Shape? Output)> s_shapes =
        Enum.GetValues<KinesisAction>().Where(a => a != KinesisAction.Unknown).ToFrozenDictionary(a => a, a =>
            ServiceModel.Kinesis.TryGetOperation(a.ToString(), out var op) ? (op.Input, op.Output) : ((Shape?)null, (Shape?)null));

    private async Task<Call> DispatchAsync(KinesisAction action, ReadOnlyMemory<byte> body, PooledBufferWriter output, HttpContext context, bool cbor)
    {
        if (action is KinesisAction.PutRecords or KinesisAction.PutRecord)
        {
            var data = BufferPool.Large.Rent(body.Length / 4 * 3 + 4);
            try
            {
                var put = new ParsedPut();
                var many = action == KinesisAction.PutRecords;
                if (!PutRecordsReader.TryParse(body, many, data, put))
                {
                    ThrowModelError(action, body);
                    throw new KinesisException(ErrorCode.SerializationException, "The request body could not be parsed.");
                }
                var call = new Call(engine, default, output, context) { Cbor = cbor };
                if (many) await PutRecords.HandleAsync(call, put).ConfigureAwait(false);
                else await PutRecord.HandleAsync(call, put).ConfigureAwait(false);
                return call;
            }
            finally
            {
                BufferPool.Large.Return(data);
            }
        }

        using var document = Parse(body);
        var root = document.RootElement;
        if (RequestValidator.Validate(action.ToString(), root) is { } error) throw ToException(error);
        var c = new Call(engine, root, output, context) { Cbor = cbor };
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
        return c;
    }

    /// <summary>Runs the generic model validator over a body the fast path refused, throwing AWS's error for it.</summary>
    private static void ThrowModelError(KinesisAction action, ReadOnlyMemory<byte> body)
    {
        using var document = Parse(body);
        if (RequestValidator.Validate(action.ToString(), document.RootElement) is { } error) throw ToException(error);
    }

    private static JsonDocument Parse(ReadOnlyMemory<byte> body)
    {
        try
        {
            var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object) return document;
            document.Dispose();
        }
        catch (JsonException)
        {
        }
        throw new KinesisException(ErrorCode.SerializationException, null);
    }

    private static KinesisException ToException(ProtocolError error) =>
        new(Enum.TryParse<ErrorCode>(error.Type, out var code) ? code : ErrorCode.ValidationException, error.Message);

    private enum WireFormat { None, Json, Cbor }

    private static WireFormat FormatOf(string? contentType)
    {
        if (contentType is null) return WireFormat.None;
        var semicolon = contentType.IndexOf(';');
        var media = (semicolon >= 0 ? contentType[..semicolon] : contentType).Trim();
        if (media.Equals(JsonContentType, StringComparison.OrdinalIgnoreCase) || media.Equals("application/x-amz-json-1.0", StringComparison.OrdinalIgnoreCase))
            return WireFormat.Json;
        return media.Equals(CborJson.ContentType, StringComparison.OrdinalIgnoreCase) ? WireFormat.Cbor : WireFormat.None;
    }

    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpRequest request)
    {
        var expected = request.ContentLength is { } n and <= MaxBodyBytes ? (int)n : 64 * 1024;
        var buffer = BufferPool.Large.Rent(Math.Max(expected, 16));
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length >= MaxBodyBytes) throw new BadHttpRequestException("Request body too large.", 413);
                var bigger = BufferPool.Large.Rent(Math.Min(buffer.Length * 2, MaxBodyBytes));
                buffer.AsSpan(0, length).CopyTo(bigger);
                BufferPool.Large.Return(buffer);
                buffer = bigger;
            }
            var read = await request.Body.ReadAsync(buffer.AsMemory(length)).ConfigureAwait(false);
            if (read == 0) return (buffer, length);
            length += read;
        }
    }

    private static Task WriteErrorAsync(HttpResponse response, ErrorCode code, string? message, bool cbor)
    {
        var output = new ArrayBufferWriter<byte>(256);
        if (cbor)
        {
            CborJson.WriteError(output, code.ToString(), message);
        }
        else
        {
            using var w = new Utf8JsonWriter(output);
            w.WriteStartObject();
            w.WriteString("__type", code.ToString());
            // SerializationException carries "Message" (capital M) on AWS; modeled errors use "message".
            if (message is not null) w.WriteString(code == ErrorCode.SerializationException ? "Message" : "message", message);
            w.WriteEndObject();
        }
        response.StatusCode = code switch
        {
            ErrorCode.InternalFailure => 500,
            ErrorCode.ServiceUnavailable => 503,
            _ => 400,
        };
        response.ContentType = cbor ? CborJson.ContentType : JsonContentType;
        response.ContentLength = output.WrittenCount;
        return response.Body.WriteAsync(output.WrittenMemory).AsTask();
    }

    private static Task WriteXmlAsync(HttpResponse response, int status, string xml)
    {
        var bytes = Encoding.UTF8.GetBytes(xml);
        response.StatusCode = status;
        response.Headers[HeaderNames.ContentType] = "application/xml";
        response.ContentLength = bytes.Length;
        return response.Body.WriteAsync(bytes).AsTask();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Action} failed with an internal error")]
    private static partial void LogInternalFailure(ILogger logger, KinesisAction action, Exception exception);
}
