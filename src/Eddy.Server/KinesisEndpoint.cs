using System.Buffers;
using System.Collections.Frozen;
using System.Text.Json;
using Eddy.Core;
using Eddy.Protocol;
using Eddy.Protocol.Cbor;
using Eddy.Protocol.Model;
using Eddy.Server.Handlers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Eddy.Server;

/// <summary>
/// The Kinesis endpoint (<c>POST /</c> with <c>X-Amz-Target: Kinesis_20131202.&lt;Action&gt;</c>, JSON 1.1 or CBOR).
/// Checks run in AWS's order (as measured against AWS by kinesalite's suite): CORS preflight, method, body read,
/// empty body, content type, body parse, legacy <c>application/json</c>, target, then the request filters
/// (authentication), type check (SerializationException), constraints (ValidationException) and the action's business
/// rules. Every response carries <c>x-amzn-RequestId</c>, and all but a CORS preflight <c>x-amz-id-2</c>.
/// </summary>
public sealed partial class KinesisEndpoint(IStreamEngine engine, IEnumerable<IRequestFilter> filters, ILogger<KinesisEndpoint> logger)
{
    private readonly IRequestFilter[] _filters = [.. filters];

    /// <summary>Largest request body: a 10 MiB PutRecords (large records) is ~13.4 MiB in base64.</summary>
    public const int MaxBodyBytes = 16 * 1024 * 1024;
    internal const string JsonContentType = "application/x-amz-json-1.1";
    private const string LegacyJsonContentType = "application/json";

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        var origin = request.Headers.Origin.Count > 0;
        if (origin && HttpMethods.IsOptions(request.Method))
        {
            EdgeResponses.Preflight(request, response);
            return;
        }
        response.Headers["x-amz-id-2"] = EdgeResponses.ExtendedRequestId();
        if (origin) EdgeResponses.AllowOrigin(response);
        if (!HttpMethods.IsPost(request.Method))
        {
            await EdgeResponses.WriteAccessDeniedAsync(response).ConfigureAwait(false);
            return;
        }

        var format = FormatOf(request.ContentType);
        var target = request.Headers["X-Amz-Target"].ToString();
        var action = KinesisTarget.Parse(target);
        // Answers before the body is understood go out in JSON only to a JSON 1.1 request, in CBOR otherwise (AWS).
        var early = format == WireFormat.Json ? WireFormat.Json : WireFormat.Cbor;
        byte[] buffer;
        int length;
        try
        {
            (buffer, length) = await ReadBodyAsync(request).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BadHttpRequestException or IOException && !context.RequestAborted.IsCancellationRequested)
        {
            // Bad chunked framing, a truncated body, a body over MaxBodyBytes: Kestrel closes the connection after this.
            var tooLarge = e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge };
            await WriteErrorAsync(response, ErrorCode.SerializationException,
                tooLarge ? $"Request body too large: the limit is {MaxBodyBytes} bytes." : null, early,
                tooLarge ? StatusCodes.Status413PayloadTooLarge : null).ConfigureAwait(false);
            return;
        }

        using var output = new PooledBufferWriter();
        PooledBufferWriter? transcoded = null;
        var wire = early;
        try
        {
            ReadOnlyMemory<byte> body = buffer.AsMemory(0, length);
            if (length == 0)
            {
                throw new KinesisException(action == KinesisAction.Unknown ? ErrorCode.UnknownOperationException : ErrorCode.SerializationException, null);
            }
            if (format == WireFormat.None)
            {
                await EdgeResponses.WriteUnknownContentTypeAsync(response, target).ConfigureAwait(false);
                return;
            }
            wire = format;
            if (format == WireFormat.LegacyJson)
            {
                // The pre-JSON-1.1 protocol: AWS answers in its envelope and goes no further.
                throw IsJsonObject(body.Span)
                    ? new KinesisException(ErrorCode.UnknownOperationException, null)
                    : new KinesisException(ErrorCode.SerializationException, null);
            }
            if (format == WireFormat.Cbor)
            {
                // CBOR is transcoded to the JSON body it stands for, guided by the model, and handled as JSON.
                transcoded = new PooledBufferWriter(length * 2);
                try { CborJson.ToJson(body.Span, action == KinesisAction.Unknown ? null : s_shapes[action].Input, transcoded); }
                catch (CborException e) { throw new KinesisException(ErrorCode.SerializationException, e.Message); }
                body = transcoded.WrittenMemory;
            }
            else if (action == KinesisAction.Unknown && !IsJsonObject(body.Span))
            {
                throw new KinesisException(ErrorCode.SerializationException, null);
            }
            if (action == KinesisAction.Unknown) throw new KinesisException(ErrorCode.UnknownOperationException, null);

            var cbor = format == WireFormat.Cbor;
            var call = await DispatchAsync(action, buffer.AsMemory(0, length), body, output, context, cbor).ConfigureAwait(false);
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
            await WriteErrorAsync(response, e.Code, e.ErrorMessage, wire).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // the client went away
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            LogInternalFailure(logger, action, e);
            if (!response.HasStarted) await WriteErrorAsync(response, ErrorCode.InternalFailure, KinesisException.InternalFailureMessage, wire).ConfigureAwait(false);
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

    /// <summary>Parses the body, runs the request filters, validates and runs the action. A body that does not parse
    /// is refused before the filters, a body that breaks the model after them, as AWS checks.</summary>
    private async Task<Call> DispatchAsync(KinesisAction action, ReadOnlyMemory<byte> raw, ReadOnlyMemory<byte> body, PooledBufferWriter output, HttpContext context, bool cbor)
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
                    using var refused = Parse(body);
                    await FilterAsync(context, action, raw, body).ConfigureAwait(false);
                    if (RequestValidator.Validate(action.ToString(), refused.RootElement) is { } modelError) throw ToException(modelError);
                    throw new KinesisException(ErrorCode.SerializationException, "The request body could not be parsed.");
                }
                await FilterAsync(context, action, raw, body).ConfigureAwait(false);
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
        await FilterAsync(context, action, raw, body).ConfigureAwait(false);
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

    private ValueTask FilterAsync(HttpContext context, KinesisAction action, ReadOnlyMemory<byte> raw, ReadOnlyMemory<byte> body)
    {
        if (_filters.Length == 0) return ValueTask.CompletedTask;
        return RunFiltersAsync(new RequestInfo(context, action, raw, body));

        async ValueTask RunFiltersAsync(RequestInfo info)
        {
            foreach (var filter in _filters) await filter.OnRequestAsync(info).ConfigureAwait(false);
        }
    }

    /// <summary>The body as a JSON object whose strings are all text; anything else is AWS's bare SerializationException.</summary>
    private static JsonDocument Parse(ReadOnlyMemory<byte> body)
    {
        try
        {
            var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && JsonStrings.AllValid(body.Span)) return document;
            document.Dispose();
        }
        catch (JsonException)
        {
        }
        throw new KinesisException(ErrorCode.SerializationException, null);
    }

    private static bool IsJsonObject(ReadOnlySpan<byte> body)
    {
        var start = body.IndexOfAnyExcept(" \t\r\n"u8);
        return start >= 0 && body[start] == (byte)'{' && JsonStrings.AllValid(body);
    }

    private static KinesisException ToException(ProtocolError error) =>
        new(Enum.TryParse<ErrorCode>(error.Type, out var code) ? code : ErrorCode.ValidationException, error.Message);

    /// <summary>What a request's content type asks for; also the form of the answer.</summary>
    private enum WireFormat { None, Json, Cbor, LegacyJson }

    private static WireFormat FormatOf(string? contentType)
    {
        if (contentType is null) return WireFormat.None;
        var semicolon = contentType.IndexOf(';');
        var media = (semicolon >= 0 ? contentType.AsSpan(0, semicolon) : contentType).Trim();
        if (media.Equals(JsonContentType, StringComparison.OrdinalIgnoreCase)) return WireFormat.Json;
        if (media.Equals(CborJson.ContentType, StringComparison.OrdinalIgnoreCase)) return WireFormat.Cbor;
        return media.Equals(LegacyJsonContentType, StringComparison.OrdinalIgnoreCase) ? WireFormat.LegacyJson : WireFormat.None;
    }

    /// <summary>Reads the whole body into a pooled buffer (the caller returns it). Throws what Kestrel throws for a
    /// body it cannot read (<see cref="BadHttpRequestException"/>, <see cref="IOException"/>), and a 413
    /// <see cref="BadHttpRequestException"/> past <see cref="MaxBodyBytes"/>; the buffer is returned then.</summary>
    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpRequest request)
    {
        var expected = request.ContentLength is { } n and <= MaxBodyBytes ? (int)n : 64 * 1024;
        var buffer = BufferPool.Large.Rent(Math.Max(expected, 16));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length >= MaxBodyBytes) throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
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
        catch
        {
            BufferPool.Large.Return(buffer);
            throw;
        }
    }

    /// <summary>An AWS error: <c>{"__type", "message"}</c> in JSON 1.1 or CBOR, or the legacy
    /// <c>application/json</c> envelope. HTTP 400 unless <paramref name="status"/> says otherwise (500 for
    /// InternalFailure, 503 for ServiceUnavailable; the legacy UnknownOperationException is a 404).</summary>
    private static Task WriteErrorAsync(HttpResponse response, ErrorCode code, string? message, WireFormat wire, int? status = null)
    {
        var output = new ArrayBufferWriter<byte>(256);
        if (wire == WireFormat.Cbor)
        {
            CborJson.WriteError(output, code.ToString(), message);
        }
        else
        {
            using var w = new Utf8JsonWriter(output);
            w.WriteStartObject();
            if (wire == WireFormat.LegacyJson)
            {
                w.WriteStartObject("Output");
                w.WriteString("__type", "com.amazon.coral.service#" + code);
                w.WriteEndObject();
                w.WriteString("Version", "1.0");
            }
            else
            {
                w.WriteString("__type", code.ToString());
                // SerializationException carries "Message" (capital M) on AWS; modeled errors use "message".
                if (message is not null) w.WriteString(code == ErrorCode.SerializationException ? "Message" : "message", message);
            }
            w.WriteEndObject();
        }
        response.StatusCode = status ?? code switch
        {
            ErrorCode.InternalFailure => 500,
            ErrorCode.ServiceUnavailable => 503,
            ErrorCode.UnknownOperationException when wire == WireFormat.LegacyJson => 404,
            _ => 400,
        };
        response.ContentType = wire switch
        {
            WireFormat.Cbor => CborJson.ContentType,
            WireFormat.LegacyJson => LegacyJsonContentType,
            _ => JsonContentType,
        };
        response.ContentLength = output.WrittenCount;
        return response.Body.WriteAsync(output.WrittenMemory).AsTask();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Action} failed with an internal error")]
    private static partial void LogInternalFailure(ILogger logger, KinesisAction action, Exception exception);
}
