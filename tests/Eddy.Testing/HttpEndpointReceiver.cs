using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Eddy.Testing;

/// <summary>One request a Firehose HTTP endpoint received, as sent (body decompressed when it was gzip).</summary>
/// <param name="Headers">Every request header (names lower-case).</param>
/// <param name="RequestId">The body's <c>requestId</c>.</param>
/// <param name="Timestamp">The body's <c>timestamp</c> (epoch ms).</param>
/// <param name="Records">The decoded <c>data</c> of each record.</param>
/// <param name="Gzip">The body came with <c>Content-Encoding: gzip</c>.</param>
public sealed record EndpointRequest(IReadOnlyDictionary<string, string> Headers, string RequestId, long Timestamp, IReadOnlyList<byte[]> Records, bool Gzip);

/// <summary>How the receiver answers one request.</summary>
public enum EndpointReply
{
    /// <summary><c>200</c> with <c>{"requestId","timestamp"}</c>, as the contract asks.</summary>
    Ok,

    /// <summary><c>500</c> with <c>{"requestId","timestamp","errorMessage"}</c>.</summary>
    ServerError,

    /// <summary><c>413</c> with an errorMessage (Firehose drops the batch for good).</summary>
    PayloadTooLarge,

    /// <summary><c>200</c> whose body carries another request id (an invalid response).</summary>
    WrongRequestId,

    /// <summary><c>307</c> to the same URL (Firehose does not follow redirects).</summary>
    Redirect,

    /// <summary><c>200</c> with a body over 1 MiB.</summary>
    TooLarge,

    /// <summary>No answer until the client gives up (the request is held until it is aborted).</summary>
    Hang,
}

/// <summary>
/// A real Firehose HTTP endpoint for tests: Kestrel on 127.0.0.1 port 0 that checks every request against the wire
/// contract AWS documents (POST, <c>Content-Type: application/json</c>, <c>X-Amz-Firehose-Protocol-Version: 1.0</c>,
/// <c>X-Amz-Firehose-Request-Id</c> equal to the body's <c>requestId</c>, <c>X-Amz-Firehose-Source-Arn</c>, a numeric
/// <c>timestamp</c>, 1–10,000 records of base64 <c>data</c>, gzip when <c>Content-Encoding</c> says so) and answers as
/// <see cref="Reply"/> says. A request that breaks the contract is listed in <see cref="Violations"/> and answered 400.
/// </summary>
/// <remarks>Threading: requests may arrive concurrently; the collections are concurrent; <see cref="Reply"/> is read per
/// request. <see cref="Delivered"/> keeps one entry per request id answered Ok, as an endpoint that de-duplicates.</remarks>
public sealed partial class HttpEndpointReceiver : LoopbackReceiver
{

    /// <summary>Chooses the answer to a well-formed request (default: <see cref="EndpointReply.Ok"/>).</summary>
    public Func<EndpointRequest, EndpointReply> Reply { get; set; } = _ => EndpointReply.Ok;

    /// <summary>Runs when a request arrived, before it is answered (tests move a fake clock here).</summary>
    public Action<EndpointRequest>? OnRequest { get; set; }

    /// <summary>Every well-formed request, in arrival order (retries included).</summary>
    public ConcurrentQueue<EndpointRequest> Requests { get; } = new();

    /// <summary>Requests answered Ok, by request id (a retry of a delivered id replaces it).</summary>
    public ConcurrentDictionary<string, EndpointRequest> Delivered { get; } = new(StringComparer.Ordinal);

    /// <summary>What was wrong with requests that broke the contract.</summary>
    public ConcurrentQueue<string> Violations { get; } = new();

    /// <summary>The URL to configure as <c>EndpointConfiguration.Url</c>.</summary>
    public string Url => new Uri(BaseAddress, "/firehose").ToString();

    public static async Task<HttpEndpointReceiver> StartAsync()
    {
        var receiver = new HttpEndpointReceiver();
        await receiver.ListenAsync(receiver.HandleAsync);
        return receiver;
    }

    /// <summary>Waits until <paramref name="condition"/> holds for this receiver (see <see cref="LoopbackReceiver.WaitUntilAsync(Func{bool}, TimeSpan)"/>).</summary>
    public Task WaitUntilAsync(Func<HttpEndpointReceiver, bool> condition, TimeSpan timeout) => WaitUntilAsync(() => condition(this), timeout);

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var (request, problem) = Parse(context.Request, buffer.ToArray());
        if (request is null)
        {
            Violations.Enqueue(problem!);
            Pulse();
            context.Response.StatusCode = 400;
            return;
        }
        Requests.Enqueue(request);
        OnRequest?.Invoke(request);
        var reply = Reply(request);
        if (reply == EndpointReply.Ok)
        {
            Delivered[request.RequestId] = request;
        }
        Pulse();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        switch (reply)
        {
            case EndpointReply.Ok:
                await WriteJsonAsync(context, "application/json", 200, new { requestId = request.RequestId, timestamp = now });
                break;
            case EndpointReply.ServerError:
                await WriteJsonAsync(context, "application/json", 500, new { requestId = request.RequestId, timestamp = now, errorMessage = "Unable to deliver records due to unknown error." });
                break;
            case EndpointReply.PayloadTooLarge:
                await WriteJsonAsync(context, "application/json", 413, new { requestId = request.RequestId, timestamp = now, errorMessage = "Payload too large" });
                break;
            case EndpointReply.WrongRequestId:
                await WriteJsonAsync(context, "application/json", 200, new { requestId = Guid.NewGuid().ToString(), timestamp = now });
                break;
            case EndpointReply.Redirect:
                context.Response.StatusCode = 307;
                context.Response.Headers.Location = context.Request.Path.Value;
                break;
            case EndpointReply.TooLarge:
                await WriteJsonAsync(context, "application/json", 200, new { requestId = request.RequestId, timestamp = now, padding = new string('x', 1024 * 1024) });
                break;
            case EndpointReply.Hang:
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(context), reply, null);
        }
    }

    /// <summary>The request when it keeps the contract, else what it broke.</summary>
    private static (EndpointRequest? Request, string? Problem) Parse(HttpRequest http, byte[] body)
    {
        var headers = http.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
        if (http.Method != "POST")
        {
            return (null, "method " + http.Method);
        }
        if (http.ContentType != "application/json")
        {
            return (null, "Content-Type " + http.ContentType);
        }
        if (headers.GetValueOrDefault("x-amz-firehose-protocol-version") != "1.0")
        {
            return (null, "X-Amz-Firehose-Protocol-Version missing or not 1.0");
        }
        if (!SourceArn().IsMatch(headers.GetValueOrDefault("x-amz-firehose-source-arn") ?? ""))
        {
            return (null, "X-Amz-Firehose-Source-Arn " + headers.GetValueOrDefault("x-amz-firehose-source-arn"));
        }
        var gzip = headers.ContainsKey("content-encoding");
        if (gzip && headers["content-encoding"] != "gzip")
        {
            return (null, "Content-Encoding " + headers["content-encoding"]);
        }
        try
        {
            if (gzip)
            {
                using var unzip = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                unzip.CopyTo(plain);
                body = plain.ToArray();
            }
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            var requestId = root.GetProperty("requestId").GetString()!;
            if (headers.GetValueOrDefault("x-amz-firehose-request-id") != requestId)
            {
                return (null, $"X-Amz-Firehose-Request-Id {headers.GetValueOrDefault("x-amz-firehose-request-id")} differs from requestId {requestId}");
            }
            var records = root.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("data").GetBytesFromBase64()).ToList();
            if (records.Count is < 1 or > 10_000)
            {
                return (null, $"{records.Count} records in one request");
            }
            if (root.EnumerateObject().Select(p => p.Name).Except(["requestId", "timestamp", "records"]).FirstOrDefault() is { } extra)
            {
                return (null, "unexpected body member " + extra);
            }
            return (new EndpointRequest(headers, requestId, root.GetProperty("timestamp").GetInt64(), records, gzip), null);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or InvalidDataException)
        {
            return (null, "body: " + e.Message + " " + Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 200))));
        }
    }

    [GeneratedRegex("^arn:aws:firehose:[a-z0-9-]+:[0-9]{12}:deliverystream/[a-zA-Z0-9_.-]+$")]
    private static partial Regex SourceArn();
}
