using System.Net;
using System.Text;
using System.Text.Json;
using Eddy.Client;
using Eddy.Client.Http;
using Eddy.Client.Kinesis;
using Eddy.Client.Retries;

namespace Eddy.Testing;

/// <summary>An HTTP answer from <see cref="KinesisJson"/>.</summary>
public sealed record KinesisJsonResponse(HttpStatusCode Status, string Body)
{
    /// <summary>Response headers (names as sent; look-ups are case-insensitive).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    public bool IsSuccess => (int)Status is >= 200 and < 300;

    /// <summary>The body as JSON; an empty body reads as <c>{}</c>.</summary>
    public JsonElement Json
    {
        get
        {
            if (string.IsNullOrWhiteSpace(Body))
            {
                return JsonDocument.Parse("{}").RootElement;
            }

            try
            {
                return JsonDocument.Parse(Body).RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw new InvalidOperationException($"Response body is not JSON (HTTP {(int)Status}): {Body}", ex);
            }
        }
    }

    /// <summary>The error code: <c>__type</c> with any <c>prefix#</c> removed (null for success or non-JSON bodies).</summary>
    public string? ErrorType
    {
        get
        {
            if (IsSuccess || !TryJson(out var json) || json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("__type", out var type))
            {
                return null;
            }

            var text = type.GetString() ?? "";
            var hash = text.LastIndexOf('#');
            return hash >= 0 ? text[(hash + 1)..] : text;
        }
    }

    /// <summary>The error message (<c>message</c> or <c>Message</c>), or null.</summary>
    public string? ErrorMessage
    {
        get
        {
            if (!TryJson(out var json) || json.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            if (json.TryGetProperty("message", out var m) || json.TryGetProperty("Message", out m))
            {
                return m.GetString();
            }

            return null;
        }
    }

    public override string ToString() => $"HTTP {(int)Status}: {Body}";

    private bool TryJson(out JsonElement json)
    {
        try
        {
            json = string.IsNullOrWhiteSpace(Body) ? default : JsonDocument.Parse(Body).RootElement.Clone();
            return !string.IsNullOrWhiteSpace(Body);
        }
        catch (JsonException)
        {
            json = default;
            return false;
        }
    }
}

/// <summary>Knobs for raw requests (defaults: a correctly SigV4-signed JSON 1.1 POST to "/").</summary>
public sealed record KinesisJsonOptions
{
    public string Region { get; init; } = "us-east-1";
    public string AccessKeyId { get; init; } = "test";
    public string SecretAccessKey { get; init; } = "test";

    /// <summary>Sign the request with SigV4 (<see cref="RequestSigning"/>). Eddy's default accepts any credentials but
    /// only signed requests; false sends none (for <c>--auth none</c>, or to test the refusal).</summary>
    public bool Sign { get; init; } = true;

    /// <summary>The credentials above as the signer takes them.</summary>
    public TestKey Key => new(AccessKeyId, SecretAccessKey, Region, SessionToken);

    /// <summary>The time the request is signed at (X-Amz-Date). Null: now. Set it in the past to test clock-skew refusals.</summary>
    public DateTime? SigningTime { get; init; }

    /// <summary>Sent as X-Amz-Security-Token (temporary credentials) and signed. Null: no token.</summary>
    public string? SessionToken { get; init; }

    public string ContentType { get; init; } = "application/x-amz-json-1.1";

    /// <summary>Full X-Amz-Target value; null: <c>Kinesis_20131202.&lt;operation&gt;</c>. Empty string: no header.</summary>
    public string? Target { get; init; }

    public HttpMethod Method { get; init; } = HttpMethod.Post;

    public string Path { get; init; } = "/";

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Kinesis JSON 1.1 calls for wire-level tests and fast test set-up: a thin layer over Eddy.Client's <see cref="EddyHttp"/>
/// (one pooled transport for every test server) that returns every answer as status, body text and headers. Tests see
/// exactly what the server answered: no retries.
/// </summary>
public static class KinesisJson
{
    public const string TargetPrefix = KinesisOperations.TargetPrefix;

    private static readonly EddyHttp s_http = new(new EddyClientOptions
    {
        Retry = RetryOptions.None,
        Credentials = TestKey.Any.Credentials,
        ConfigureHandler = handler => handler.PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    });

    /// <summary>The shared transport (no retries), for tests that build their own <see cref="EddyRequest"/>s.</summary>
    public static EddyHttp Http => s_http;

    /// <summary>POSTs <paramref name="jsonBody"/> as operation <paramref name="operation"/> and returns status and body.</summary>
    public static async Task<KinesisJsonResponse> CallAsync(Uri endpoint, string operation, string jsonBody, KinesisJsonOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new KinesisJsonOptions();
        using var response = await s_http.SendAsync(new EddyRequest
        {
            Endpoint = endpoint,
            Path = options.Path,
            Method = options.Method,
            Target = options.Target ?? TargetPrefix + operation,
            ContentType = options.ContentType,
            Body = Encoding.UTF8.GetBytes(jsonBody),
            Sign = options.Sign,
            Credentials = options.Key.Credentials,
            Region = options.Region,
            SigningTime = options.SigningTime is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null,
            Timeout = options.Timeout,
        }, null, cancellationToken).ConfigureAwait(false);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in response.Headers) headers[name] = value;
        return new KinesisJsonResponse(response.Status, Encoding.UTF8.GetString(response.Span)) { Headers = headers };
    }

    /// <summary>Serialises <paramref name="body"/> (e.g. an anonymous object with PascalCase members) and calls the operation.</summary>
    public static Task<KinesisJsonResponse> CallAsync(Uri endpoint, string operation, object body, KinesisJsonOptions? options = null, CancellationToken cancellationToken = default) =>
        CallAsync(endpoint, operation, JsonSerializer.Serialize(body), options, cancellationToken);

    /// <summary>Calls the operation and throws (with the response) unless it succeeded; returns the JSON body.</summary>
    public static async Task<JsonElement> CallOkAsync(Uri endpoint, string operation, object body, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync(endpoint, operation, body, null, cancellationToken).ConfigureAwait(false);
        return response.IsSuccess
            ? response.Json
            : throw new InvalidOperationException($"{operation} {JsonSerializer.Serialize(body)} failed: {response}");
    }

    /// <summary>Polls DescribeStreamSummary until the stream's status is <paramref name="status"/> (default ACTIVE).</summary>
    public static async Task WaitForStreamStatusAsync(Uri endpoint, string streamName, string status = "ACTIVE", TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        KinesisJsonResponse? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await CallAsync(endpoint, "DescribeStreamSummary", new { StreamName = streamName }, null, cancellationToken).ConfigureAwait(false);
            if (last.IsSuccess && last.Json.GetProperty("StreamDescriptionSummary").GetProperty("StreamStatus").GetString() == status)
            {
                return;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"Stream {streamName} did not become {status}; last DescribeStreamSummary: {last}");
    }

    /// <summary>Polls DescribeStreamSummary until the stream is gone (ResourceNotFoundException).</summary>
    public static async Task WaitForStreamGoneAsync(Uri endpoint, string streamName, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        KinesisJsonResponse? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await CallAsync(endpoint, "DescribeStreamSummary", new { StreamName = streamName }, null, cancellationToken).ConfigureAwait(false);
            if (last.ErrorType == "ResourceNotFoundException")
            {
                return;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"Stream {streamName} was not deleted; last DescribeStreamSummary: {last}");
    }
}
