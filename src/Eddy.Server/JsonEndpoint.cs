using System.Buffers;
using System.Text.Json;
using Eddy.Core;
using Eddy.Protocol.Cbor;
using Eddy.Protocol.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Eddy.Server;

/// <summary>
/// The AWS JSON protocol (<c>POST /</c>, <c>X-Amz-Target</c>, JSON 1.1 or CBOR) for every <see cref="JsonService"/>.
/// Checks run in AWS's order (as measured against AWS by kinesalite's suite): CORS preflight, method, body read, empty
/// body, content type, body parse, legacy <c>application/json</c>, target; then the service runs the request filters
/// (authentication), type check (SerializationException), constraints (ValidationException) and the operation's
/// business rules. Every response carries <c>x-amzn-RequestId</c>, and all but a CORS preflight <c>x-amz-id-2</c>.
/// Every error, of every service, is written here (<see cref="WriteErrorAsync"/>).
/// </summary>
public sealed partial class JsonEndpoint(IEnumerable<IRequestFilter> filters, ILogger<JsonEndpoint> logger)
{
    private readonly IRequestFilter[] _filters = [.. filters];

    /// <summary>Largest request body: a 10 MiB PutRecords (large records) is ~13.4 MiB in base64.</summary>
    public const int MaxBodyBytes = 16 * 1024 * 1024;

    /// <summary>The JSON 1.1 content type.</summary>
    public const string JsonContentType = "application/x-amz-json-1.1";

    private const string LegacyJsonContentType = "application/json";
    internal const string SerializationException = "SerializationException";
    private const string UnknownOperationException = "UnknownOperationException";
    private const string InternalFailure = "InternalFailure";

    /// <summary>Answers one request for <paramref name="service"/>; <paramref name="operation"/> is the target's
    /// operation in the service's model, or null when the target names none (AWS's answers for an unknown target).</summary>
    public async Task HandleAsync(HttpContext context, JsonService service, Operation? operation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(service);
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
            await WriteErrorAsync(response, new ServiceException(SerializationException,
                tooLarge ? $"Request body too large: the limit is {MaxBodyBytes} bytes." : null,
                tooLarge ? StatusCodes.Status413PayloadTooLarge : 400), early).ConfigureAwait(false);
            return;
        }

        using var output = new PooledBufferWriter();
        PooledBufferWriter? transcoded = null;
        var wire = early;
        try
        {
            ReadOnlyMemory<byte> body = buffer.AsMemory(0, length);
            if (length == 0) throw new ServiceException(operation is null ? UnknownOperationException : SerializationException, null);
            if (format == WireFormat.None)
            {
                await EdgeResponses.WriteUnknownContentTypeAsync(response, request.Headers["X-Amz-Target"].ToString()).ConfigureAwait(false);
                return;
            }
            wire = format;
            if (format == WireFormat.LegacyJson)
            {
                // The pre-JSON-1.1 protocol: AWS answers in its envelope and goes no further.
                throw new ServiceException(IsJsonObject(body.Span) ? UnknownOperationException : SerializationException, null);
            }
            if (format == WireFormat.Cbor)
            {
                // CBOR is transcoded to the JSON body it stands for, guided by the model, and handled as JSON.
                transcoded = new PooledBufferWriter(length * 2);
                try { CborJson.ToJson(body.Span, operation?.Input, transcoded); }
                catch (CborException e) { throw new ServiceException(SerializationException, e.Message); }
                body = transcoded.WrittenMemory;
            }
            else if (operation is null && !IsJsonObject(body.Span))
            {
                throw new ServiceException(SerializationException, null);
            }
            if (operation is null) throw new ServiceException(UnknownOperationException, null);

            var cbor = format == WireFormat.Cbor;
            var call = new JsonRequest(context, service, operation, buffer.AsMemory(0, length), body, output, cbor, _filters);
            await service.InvokeAsync(call).ConfigureAwait(false);
            if (call.Streamed) return;
            response.StatusCode = 200;
            if (cbor)
            {
                using var encoded = new PooledBufferWriter(output.WrittenCount + 64);
                CborJson.ToCbor(output.WrittenSpan, operation.Output, encoded);
                await WriteBodyAsync(response, CborJson.ContentType, encoded).ConfigureAwait(false);
            }
            else
            {
                await WriteBodyAsync(response, JsonContentType, output).ConfigureAwait(false);
            }
        }
        catch (ServiceException e) when (!response.HasStarted)
        {
            await WriteErrorAsync(response, e, wire).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // the client went away
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            LogInternalFailure(logger, service.SigningName, operation?.Name, e);
            if (!response.HasStarted) await WriteErrorAsync(response, new ServiceException(InternalFailure, KinesisException.InternalFailureMessage, 500), wire).ConfigureAwait(false);
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

    private static bool IsJsonObject(ReadOnlySpan<byte> body)
    {
        var start = body.IndexOfAnyExcept(" \t\r\n"u8);
        return start >= 0 && body[start] == (byte)'{' && JsonStrings.AllValid(body);
    }

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
    /// <c>application/json</c> envelope, with the error's HTTP status (the legacy UnknownOperationException is a 404).</summary>
    private static Task WriteErrorAsync(HttpResponse response, ServiceException error, WireFormat wire)
    {
        var output = new ArrayBufferWriter<byte>(256);
        var type = error.ErrorType;
        if (wire == WireFormat.Cbor)
        {
            CborJson.WriteError(output, type, error.ErrorMessage);
        }
        else
        {
            using var w = new Utf8JsonWriter(output);
            w.WriteStartObject();
            if (wire == WireFormat.LegacyJson)
            {
                w.WriteStartObject("Output");
                w.WriteString("__type", "com.amazon.coral.service#" + type);
                w.WriteEndObject();
                w.WriteString("Version", "1.0");
            }
            else
            {
                w.WriteString("__type", type);
                // SerializationException carries "Message" (capital M) on AWS; modeled errors use "message".
                if (error.ErrorMessage is { } message) w.WriteString(type == SerializationException ? "Message" : "message", message);
            }
            w.WriteEndObject();
        }
        response.StatusCode = wire == WireFormat.LegacyJson && type == UnknownOperationException ? 404 : error.StatusCode;
        response.ContentType = wire switch
        {
            WireFormat.Cbor => CborJson.ContentType,
            WireFormat.LegacyJson => LegacyJsonContentType,
            _ => JsonContentType,
        };
        response.ContentLength = output.WrittenCount;
        return response.Body.WriteAsync(output.WrittenMemory).AsTask();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Service} {Operation} failed with an internal error")]
    private static partial void LogInternalFailure(ILogger logger, string service, string? operation, Exception exception);
}
