using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text.Json;
using Eddy.Core.Firehose;
using Microsoft.Extensions.Logging;

namespace Eddy.Firehose.Delivery;

/// <summary>
/// The HTTP endpoint destination (shared/specs/firehose.md §11): each flush is POSTed as
/// <c>{"requestId","timestamp","records":[{"data"}]}</c> with Firehose's headers, at most
/// <see cref="MaxRecordsPerRequest"/> records (and 64 MiB of body) per request, GZIP-encoded when configured. Only a
/// <c>200</c> whose JSON body echoes the request id and has a <c>timestamp</c> is success; <c>413</c> is permanent (the
/// batch is dropped, not written to the error output); anything else — other statuses, redirects (never followed), an
/// invalid or oversized (over 1 MiB) response, no answer within 3 minutes, a connection failure — is retried with backoff
/// for <c>RetryOptions.DurationInSeconds</c> counted from the first failure (response waits not counted), then the
/// batch's records go to the error output as <c>http-endpoint-failed</c> with the endpoint's last answer.
/// </summary>
/// <remarks>
/// <para><b>Idempotence.</b> A request's id is derived from <see cref="Flush.Identity"/> and the request's index in the
/// flush: the same on every retry and on the redo after a crash, so the endpoint can de-duplicate.</para>
/// <para><b>Threading.</b> Stateless; one instance serves every delivery stream.</para>
/// <para><b>Cancellation.</b> The loop's token ends an attempt in flight; the flush is redone after the restart.</para>
/// </remarks>
internal sealed partial class HttpEndpointWriter : IDestinationWriter
{
    /// <summary>The error output type (<c>!{firehose:error-output-type}</c>) of records given up on.</summary>
    public const string ErrorOutputType = "http-endpoint-failed";

    /// <summary>AWS's limit of records in one request.</summary>
    public const int MaxRecordsPerRequest = 10_000;

    /// <summary>AWS's limit of one request's body before compression.</summary>
    public const long MaxRequestBytes = 64L * 1024 * 1024;

    /// <summary>The largest response body Firehose reads.</summary>
    public const int MaxResponseBytes = 1024 * 1024;

    /// <summary>How long Firehose waits for a response.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromMinutes(3);

    public static HttpEndpointWriter Instance { get; } = new();

    public async Task<WriteResult> DeliverAsync(Flush flush, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(flush);
        var settings = HttpEndpointSettings.From(flush.Destination.Configuration);
        long bytes = 0;
        var requests = 0;
        var failed = new List<FailedRecord>();
        var index = 0;
        foreach (var batch in Batches(flush.Records))
        {
            var requestId = HttpEndpointWire.DerivedId(flush.Identity, $"http-endpoint-request-{index++}");
            var outcome = await DeliverBatchAsync(flush, settings, requestId, batch, cancellationToken).ConfigureAwait(false);
            if (outcome is null)
            {
                bytes += batch.Sum(r => (long)r.Data.Length);
                requests++;
            }
            else
            {
                failed.AddRange(outcome);
            }
        }
        return new WriteResult(bytes, requests, failed);
    }

    /// <summary>The records in requests of at most <see cref="MaxRecordsPerRequest"/> records and about
    /// <see cref="MaxRequestBytes"/> of JSON (base64 data plus per-record framing).</summary>
    internal static IEnumerable<IReadOnlyList<ProcessedRecord>> Batches(IReadOnlyList<ProcessedRecord> records)
    {
        var batch = new List<ProcessedRecord>();
        long size = 0;
        foreach (var r in records)
        {
            var encoded = (r.Data.Length + 2L) / 3 * 4 + 12;
            if (batch.Count > 0 && (batch.Count == MaxRecordsPerRequest || size + encoded > MaxRequestBytes - 1024))
            {
                yield return batch;
                batch = [];
                size = 0;
            }
            batch.Add(r);
            size += encoded;
        }
        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    /// <summary>One request until it succeeds (null), is refused for good (413: empty, nothing to the error output), or
    /// its retry window closes (the records as <c>http-endpoint-failed</c>).</summary>
    private static async Task<IReadOnlyList<FailedRecord>?> DeliverBatchAsync(Flush flush, HttpEndpointSettings settings, string requestId,
        IReadOnlyList<ProcessedRecord> batch, CancellationToken cancellationToken)
    {
        var retry = flush.Retry(settings.RetryDuration);
        while (true)
        {
            var started = flush.Time.GetUtcNow();
            using var request = Request(flush, settings, requestId, batch);
            var answer = await HttpEndpointWire.SendAsync(flush, request, ResponseTimeout, MaxResponseBytes, cancellationToken).ConfigureAwait(false);
            var (code, message) = Judge(answer, requestId);
            if (code is null)
            {
                retry.Succeeded();
                return null;
            }
            if (answer.Status == 413)
            {
                LogPayloadTooLarge(flush.Logger, flush.DeliveryStreamName, requestId, batch.Count);
                return [];
            }
            retry.Exclude(flush.Time.GetUtcNow() - started);
            if (!await retry.FailedAsync($"POST {settings.Url} (request {requestId})", $"{code}: {message}", cancellationToken).ConfigureAwait(false))
            {
                var now = flush.NowMs;
                return [.. batch.Select(r => new FailedRecord(new FirehoseRecord(r.RecordId, r.ArrivalMs, r.Data), code, message, ErrorOutputType,
                    HttpEndpointWire.ErrorDocument(r, retry.AttemptsMade, code, message, now, w =>
                    {
                        w.WriteNumber("subsequenceNumber", 0);
                        w.WriteString("dataId", r.RecordId);
                    })))];
            }
        }
    }

    /// <summary>The request of one attempt (its <c>timestamp</c> is the attempt's time; the id is the batch's).</summary>
    private static HttpRequestMessage Request(Flush flush, HttpEndpointSettings settings, string requestId, IReadOnlyList<ProcessedRecord> batch)
    {
        using var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            w.WriteString("requestId", requestId);
            w.WriteNumber("timestamp", flush.NowMs);
            w.WriteStartArray("records");
            foreach (var r in batch)
            {
                w.WriteStartObject();
                w.WriteBase64String("data", r.Data.Span);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        byte[] body;
        if (settings.Gzip)
        {
            using var compressed = new MemoryStream();
            using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                json.Position = 0;
                json.CopyTo(gzip);
            }
            body = compressed.ToArray();
        }
        else
        {
            body = json.ToArray();
        }
        var request = new HttpRequestMessage(HttpMethod.Post, settings.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (settings.Gzip)
        {
            request.Content.Headers.ContentEncoding.Add("gzip");
        }
        request.Headers.TryAddWithoutValidation("X-Amz-Firehose-Protocol-Version", "1.0");
        request.Headers.TryAddWithoutValidation("X-Amz-Firehose-Request-Id", requestId);
        request.Headers.TryAddWithoutValidation("X-Amz-Firehose-Source-Arn", flush.DeliveryStreamArn);
        if (settings.AccessKey is { } key)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Firehose-Access-Key", key);
        }
        if (settings.CommonAttributes is { } attributes)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Firehose-Common-Attributes", attributes);
        }
        return request;
    }

    /// <summary>AWS's verdict on an answer: (null, null) for success, else the error code and message of §11.2.</summary>
    internal static (string? Code, string Message) Judge(HttpEndpointWire.Answer answer, string requestId)
    {
        switch (answer.Failure)
        {
            case HttpEndpointWire.TransportFailure.Timeout:
                return ("HttpEndpoint.RequestTimeout",
                    "The delivery timed out before a response was received and will be retried. If this error persists, contact the AWS Firehose service team.");
            case HttpEndpointWire.TransportFailure.ConnectionFailed:
                return ("HttpEndpoint.ConnectionFailed", "Unable to connect to the destination endpoint. Contact the owner of the endpoint to resolve this issue.");
            case HttpEndpointWire.TransportFailure.ConnectionReset:
                return ("HttpEndpoint.ConnectionReset", "Unable to maintain connection with the endpoint. Contact the owner of the endpoint to resolve this issue.");
            default:
                break;
        }
        if (answer.TooLarge)
        {
            return ("HttpEndpoint.ResponseTooLarge", "The response received from the endpoint is too large. Contact the owner of the endpoint to resolve this issue.");
        }
        if (answer.Status != 200)
        {
            return ("HttpEndpoint.DestinationException",
                $"The following response was received from the endpoint destination. {answer.Status}: {HttpEndpointWire.Text(answer)}");
        }
        return ValidSuccess(answer, requestId)
            ? (null, "")
            : ("HttpEndpoint.InvalidResponseFromDestination",
                "The response received from the specified endpoint is invalid. Contact the owner of the endpoint to resolve the issue.");
    }

    /// <summary>A 200's body and headers as §11.2 requires: <c>application/json</c>, no <c>Content-Encoding</c>, a
    /// <c>Content-Length</c>, a JSON object with the request's <c>requestId</c> and a numeric <c>timestamp</c>.</summary>
    private static bool ValidSuccess(HttpEndpointWire.Answer answer, string requestId)
    {
        var content = answer.ContentHeaders!;
        if (!string.Equals(content.ContentType?.MediaType, "application/json", StringComparison.OrdinalIgnoreCase)
            || content.ContentEncoding.Count > 0 || content.ContentLength is null)
        {
            return false;
        }
        return HttpEndpointWire.JsonBody(answer) is { } body
            && body.TryGetProperty("requestId", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() == requestId
            && body.TryGetProperty("timestamp", out var timestamp) && timestamp.ValueKind == JsonValueKind.Number;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery stream {Name}: the HTTP endpoint answered 413 to request {RequestId}; its {Records} records are dropped (no retry, no error output, as AWS)")]
    private static partial void LogPayloadTooLarge(ILogger logger, string name, string requestId, int records);
}
