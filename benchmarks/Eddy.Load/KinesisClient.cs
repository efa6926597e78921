using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Eddy.Load;

/// <summary>Kinesis operation names with their precomputed <c>X-Amz-Target</c> header values.</summary>
public static class Ops
{
    public const string Prefix = "Kinesis_20131202.";
    public const string CreateStream = Prefix + "CreateStream";
    public const string DeleteStream = Prefix + "DeleteStream";
    public const string DescribeStreamSummary = Prefix + "DescribeStreamSummary";
    public const string ListShards = Prefix + "ListShards";
    public const string GetShardIterator = Prefix + "GetShardIterator";
    public const string GetRecords = Prefix + "GetRecords";
    public const string PutRecord = Prefix + "PutRecord";
    public const string PutRecords = Prefix + "PutRecords";
    public const string RegisterStreamConsumer = Prefix + "RegisterStreamConsumer";
    public const string DescribeStreamConsumer = Prefix + "DescribeStreamConsumer";
    public const string DeregisterStreamConsumer = Prefix + "DeregisterStreamConsumer";
    public const string SubscribeToShard = Prefix + "SubscribeToShard";
}

/// <summary>An error answer from the endpoint (<c>{"__type":..., "message":...}</c>) or a malformed answer.</summary>
public sealed class KinesisException(int status, string errorType, string message, string operation)
    : Exception($"{operation}: HTTP {status} {errorType}: {message}")
{
    public int Status { get; } = status;
    public string ErrorType { get; } = errorType;
    public string ErrorMessage { get; } = message;
    public string Operation { get; } = operation;
}

/// <summary>A growable byte buffer a response body is read into; one per worker, reused for every call.</summary>
public sealed class ResponseBuffer(int initialCapacity = 64 * 1024)
{
    private byte[] _buffer = new byte[initialCapacity];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    internal async ValueTask ReadFromAsync(HttpContent content, CancellationToken cancellationToken)
    {
        Length = 0;
        long? declared = content.Headers.ContentLength;
        if (declared is > 0)
        {
            Ensure((int)declared.Value);
        }

        await using Stream stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            if (Length == _buffer.Length)
            {
                Ensure(Length + 1);
            }

            int n = await stream.ReadAsync(_buffer.AsMemory(Length), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return;
            }

            Length += n;
        }
    }

    private void Ensure(int capacity)
    {
        if (capacity <= _buffer.Length)
        {
            return;
        }

        int size = Math.Max(capacity, (int)Math.Min(int.MaxValue - 64, _buffer.Length * 2L));
        Array.Resize(ref _buffer, size);
    }
}

/// <summary>
/// A minimal Kinesis JSON 1.1 client over one pooled <see cref="SocketsHttpHandler"/> (HTTP/1.1, keep-alive).
/// Request bodies are passed in as ready bytes; response bodies land in a caller-owned <see cref="ResponseBuffer"/>.
/// Every request is SigV4-signed (<see cref="RequestSigner"/>: <c>--access-key</c>/<c>--secret-key</c>, or a dummy key).
/// </summary>
public sealed class KinesisClient : IDisposable
{
    public const string ContentType = "application/x-amz-json-1.1";

    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private DateCache _date = new(0, "");
    private readonly RequestSigner _signer = RequestSigner.Default;

    public KinesisClient(Uri endpoint, int maxConnections, TimeSpan requestTimeout)
    {
        _endpoint = endpoint;
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(1, maxConnections),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        _http = new HttpClient(handler, disposeHandler: true)
        {
            Timeout = requestTimeout,
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public Uri Endpoint => _endpoint;

    /// <summary>Sends one operation; on HTTP 2xx the body is in <paramref name="response"/>, otherwise throws <see cref="KinesisException"/>.</summary>
    public async ValueTask SendAsync(string target, ReadOnlyMemory<byte> body, ResponseBuffer response, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint);
        var content = new ReadOnlyMemoryContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        request.Content = content;
        DateCache date = CurrentDate();
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", date.AmzDate);
        request.Headers.TryAddWithoutValidation("Authorization", _signer.Authorization(_endpoint, target, date.AmzDate, body.Span));

        using HttpResponseMessage message = await _http
            .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
            .ConfigureAwait(false);
        await response.ReadFromAsync(message.Content, cancellationToken).ConfigureAwait(false);
        if (!message.IsSuccessStatusCode)
        {
            throw ParseError((int)message.StatusCode, response.Span, target);
        }
    }

    /// <summary>
    /// Sends an operation whose answer is streamed (SubscribeToShard) and returns as soon as the response headers arrived;
    /// the caller reads and disposes the response. HTTP/1.1, or HTTP/2 with prior knowledge (h2c) when
    /// <paramref name="http2"/> — never negotiated. On HTTP non-2xx reads the (JSON) body and throws <see cref="KinesisException"/>.
    /// The client's request timeout bounds only the wait for the headers, not the reading of the body.
    /// </summary>
    public async Task<HttpResponseMessage> OpenStreamAsync(string target, ReadOnlyMemory<byte> body, bool http2, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Version = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        var content = new ReadOnlyMemoryContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        request.Content = content;
        DateCache date = CurrentDate();
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", date.AmzDate);
        request.Headers.TryAddWithoutValidation("Authorization", _signer.Authorization(_endpoint, target, date.AmzDate, body.Span));

        HttpResponseMessage message = await _http
            .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
            .ConfigureAwait(false);
        if (!message.IsSuccessStatusCode)
        {
            using (message)
            {
                var error = new ResponseBuffer(4096);
                await error.ReadFromAsync(message.Content, cancellationToken).ConfigureAwait(false);
                throw ParseError((int)message.StatusCode, error.Span, target);
            }
        }

        return message;
    }

    /// <summary>Control-plane helper: sends a small JSON body and returns the answer parsed as a document (null for an empty body).</summary>
    public async Task<JsonDocument?> CallAsync(string target, string jsonBody, CancellationToken cancellationToken)
    {
        var buffer = new ResponseBuffer(4096);
        await SendAsync(target, Encoding.UTF8.GetBytes(jsonBody), buffer, cancellationToken).ConfigureAwait(false);
        return buffer.Length == 0 ? null : JsonDocument.Parse(buffer.Memory.ToArray());
    }

    public void Dispose() => _http.Dispose();

    private static KinesisException ParseError(int status, ReadOnlySpan<byte> body, string target)
    {
        string op = target.StartsWith(Ops.Prefix, StringComparison.Ordinal) ? target[Ops.Prefix.Length..] : target;
        string type = "(no __type)";
        string message = "";
        try
        {
            var reader = new Utf8JsonReader(body);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    string name = reader.GetString() ?? "";
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String && name == "__type")
                    {
                        type = reader.GetString() ?? type;
                        int hash = type.LastIndexOf('#');
                        if (hash >= 0)
                        {
                            type = type[(hash + 1)..];
                        }
                    }
                    else if (reader.TokenType == JsonTokenType.String && (name == "message" || name == "Message"))
                    {
                        message = reader.GetString() ?? "";
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
        }
        catch (JsonException)
        {
            message = Encoding.UTF8.GetString(body[..Math.Min(body.Length, 300)]);
        }

        return new KinesisException(status, type, message, op);
    }

    private DateCache CurrentDate()
    {
        long unixSeconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        DateCache cached = _date;
        if (cached.UnixSeconds == unixSeconds)
        {
            return cached;
        }

        DateTime now = DateTimeOffset.FromUnixTimeSeconds(unixSeconds).UtcDateTime;
        string amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        cached = new DateCache(unixSeconds, amzDate);
        _date = cached;
        return cached;
    }

    private sealed record DateCache(long UnixSeconds, string AmzDate);
}

/// <summary>Monotonic timing helpers over <see cref="Stopwatch.GetTimestamp"/>.</summary>
public static class Clock
{
    public static long Now => Stopwatch.GetTimestamp();

    public static double ToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    public static double ToSeconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    public static long FromSeconds(double seconds) => (long)(seconds * Stopwatch.Frequency);
}
