using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Eddy.Core.Functions;

namespace Eddy.Functions;

/// <summary>Settings of <see cref="FunctionInvoker"/> and <c>AddEddyFunctions</c>.</summary>
public sealed record FunctionsOptions
{
    /// <summary>Region and account a bare function name's ARN is expanded with (Lambda's error messages name the ARN).</summary>
    public string Region { get; init; } = "us-east-1";

    public string Account { get; init; } = "000000000000";

    /// <summary>How long an invocation may take (Firehose allows a transform function 5 minutes).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest request and response payload: Lambda's 6 MB synchronous limit (6,291,456 bytes).</summary>
    public int MaxPayloadBytes { get; init; } = FunctionInvoker.LambdaPayloadLimit;

    /// <summary>The <c>--function NAME=URL</c> entries stored in the map at start-up.</summary>
    public IReadOnlyList<FunctionBinding> StartupFunctions { get; init; } = [];

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// <see cref="IFunctionInvoker"/> over HTTP: resolves the function's NAME in the <see cref="IFunctionMap"/> and POSTs
/// the payload (<c>Content-Type: application/json</c>) to its URL. A URL on Lambda's Invoke path (the Runtime Interface
/// Emulator) is called as Lambda is: <c>X-Amz-Invocation-Type: RequestResponse</c>, and a 200 carrying
/// <c>X-Amz-Function-Error</c> is a function error. Any non-2xx answer is a function error too.
/// </summary>
/// <remarks>
/// Threading: thread-safe; one pooled <see cref="SocketsHttpHandler"/> for every call (connections are reused).
/// Timeout: <see cref="FunctionsOptions.Timeout"/> per call, measured on <see cref="FunctionsOptions.Time"/>.
/// Cancellation and failures: as <see cref="IFunctionInvoker"/> states. Dispose once, after the last call.
/// </remarks>
public sealed class FunctionInvoker : IFunctionInvoker, IDisposable
{
    /// <summary>Lambda's synchronous request and response payload limit.</summary>
    public const int LambdaPayloadLimit = 6 * 1024 * 1024;

    private const int MaxErrorText = 1024;

    private readonly IFunctionMap _map;
    private readonly FunctionsOptions _options;
    private readonly HttpClient _http;

    public FunctionInvoker(IFunctionMap map, FunctionsOptions options)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(options);
        _map = map;
        _options = options;
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public async ValueTask<FunctionResult> InvokeAsync(string function, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        var arn = FunctionNames.ArnOf(function, _options.Region, _options.Account);
        if (FunctionNames.NameOf(function) is not { } name || _map.Find(name) is not { } entry)
        {
            var notFound = FunctionException.NotFound(arn);
            return FunctionResult.Failed(arn, FunctionFailureKind.NotFound, notFound.ErrorType, notFound.Message);
        }
        if (payload.Length > _options.MaxPayloadBytes)
        {
            return FunctionResult.Failed(arn, FunctionFailureKind.TooLarge, "RequestTooLargeException",
                $"Request must be smaller than {_options.MaxPayloadBytes} bytes for the InvokeFunction operation");
        }
        using var timeout = new CancellationTokenSource(_options.Timeout, _options.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, entry.Url) { Content = new ReadOnlyMemoryContent(payload) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            if (entry.Kind == FunctionEndpointKind.LambdaInvoke)
            {
                request.Headers.TryAddWithoutValidation("X-Amz-Invocation-Type", "RequestResponse");
            }
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var body = await ReadLimitedAsync(response.Content, _options.MaxPayloadBytes, linked.Token).ConfigureAwait(false);
            if (body is null)
            {
                return FunctionResult.Failed(arn, FunctionFailureKind.TooLarge, "Function.ResponseSizeTooLarge",
                    $"Response payload size exceeded maximum allowed payload size ({_options.MaxPayloadBytes} bytes).");
            }
            if (entry.Kind == FunctionEndpointKind.LambdaInvoke && response.Headers.TryGetValues("X-Amz-Function-Error", out var values))
            {
                return FunctionResult.Failed(arn, FunctionFailureKind.FunctionError, string.Join(",", values), ErrorText(body));
            }
            if (!response.IsSuccessStatusCode)
            {
                return FunctionResult.Failed(arn, FunctionFailureKind.FunctionError, $"HTTP {(int)response.StatusCode}", ErrorText(body));
            }
            return FunctionResult.Ok(arn, body);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            return FunctionResult.Failed(arn, FunctionFailureKind.Timeout, "TimeoutException",
                $"The function did not answer within {_options.Timeout.TotalSeconds:0.###} seconds.");
        }
        catch (HttpRequestException e) when (!cancellationToken.IsCancellationRequested)
        {
            return FunctionResult.Failed(arn, FunctionFailureKind.Unreachable, "ServiceException", $"The function's URL {entry.Url} could not be reached: {e.Message}");
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The body, or null when it is longer than <paramref name="limit"/>.</summary>
    private static async Task<byte[]?> ReadLimitedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > limit)
        {
            return null;
        }
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int n;
            while ((n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + n > limit)
                {
                    return null;
                }
                buffer.Write(chunk, 0, n);
            }
            return buffer.ToArray();
        }
    }

    /// <summary>A function error's message: the <c>errorMessage</c> of a Lambda error payload, else the body's text (1 KiB at most).</summary>
    private static string ErrorText(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("errorMessage", out var message) && message.ValueKind == JsonValueKind.String)
            {
                return message.GetString()!;
            }
        }
        catch (JsonException)
        {
            // not JSON: the text itself
        }
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, MaxErrorText));
        return text.Length == 0 ? "The function returned an error with no body." : text;
    }
}
