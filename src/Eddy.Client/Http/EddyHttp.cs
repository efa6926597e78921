using System.Net;
using System.Runtime.ExceptionServices;
using Eddy.Client.Auth;
using Eddy.Client.Retries;
using Eddy.Protocol.Auth;

namespace Eddy.Client.Http;

/// <summary>
/// Eddy's transport: one pooled <see cref="SocketsHttpHandler"/> (HTTP/1.1 keep-alive, or HTTP/2 — prior knowledge on
/// cleartext — exactly as <see cref="EddyClientOptions.HttpVersion"/> says), SigV4 signing, and AWS's standard retries.
/// <see cref="SendAsync(string, ReadOnlyMemory{byte}, ResponseBuffer?, CancellationToken)"/> is the raw call the typed
/// clients and the load tool stand on: a ready body in, the answer (status, headers, body in a pooled buffer) out,
/// whatever its status. Thread-safe; make one per endpoint and process and keep it.
/// </summary>
public sealed class EddyHttp : IDisposable
{
    private readonly HttpClient _http;
    private readonly SigV4Signer _signer;
    private readonly StandardRetry _retry;
    private readonly AwsCredentials _credentials;
    private readonly string _host;
    private readonly string _contentType;

    public EddyHttp(EddyClientOptions? options = null)
    {
        Options = options ?? new EddyClientOptions();
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(1, Options.MaxConnectionsPerServer),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        Options.ConfigureHandler?.Invoke(handler);
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _signer = new SigV4Signer(Options.SigningService);
        _retry = new StandardRetry(Options.Retry);
        _credentials = Options.Credentials ?? AwsCredentials.FromEnvironment() ?? AwsCredentials.Local;
        _host = SigV4Signer.HostOf(Options.Endpoint);
        _contentType = Options.Format.ContentType();
    }

    public EddyClientOptions Options { get; }

    /// <summary>The credentials requests are signed with.</summary>
    public AwsCredentials Credentials => _credentials;

    /// <summary>The retry rules and quota of this client.</summary>
    public StandardRetry Retry => _retry;

    /// <summary>Sends <paramref name="body"/> (already encoded in the client's format) to the action named by
    /// <paramref name="target"/> (the whole X-Amz-Target, e.g. <c>Kinesis_20131202.PutRecords</c>).</summary>
    /// <param name="into">The buffer the answer's body is read into (reused by a worker); null: one is rented and given
    /// back when the answer is disposed.</param>
    public Task<EddyResponse> SendAsync(string target, ReadOnlyMemory<byte> body, ResponseBuffer? into = null, CancellationToken cancellationToken = default) =>
        SendAsync(new EddyRequest { Target = target, Body = body }, into, cancellationToken);

    /// <summary>Sends <paramref name="targetPrefix"/> + <paramref name="action"/> with a body in <paramref name="format"/>.</summary>
    public Task<EddyResponse> SendAsync(string targetPrefix, string action, ReadOnlyMemory<byte> body, WireFormat format, ResponseBuffer? into = null, CancellationToken cancellationToken = default) =>
        SendAsync(new EddyRequest { Target = targetPrefix + action, Body = body, ContentType = format.ContentType() }, into, cancellationToken);

    /// <summary>Sends <paramref name="request"/>, retrying as <see cref="EddyClientOptions.Retry"/> says, and returns the
    /// last answer whatever its status. Throws only when no answer came: <see cref="HttpRequestException"/> or
    /// <see cref="IOException"/> for the connection, <see cref="TaskCanceledException"/> (its inner exception a
    /// <see cref="TimeoutException"/>) for the attempt timeout, <see cref="OperationCanceledException"/> when cancelled.</summary>
    public async Task<EddyResponse> SendAsync(EddyRequest request, ResponseBuffer? into = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var buffer = into ?? new ResponseBuffer();
        try
        {
            var maxAttempts = request.MaxAttempts ?? Options.Retry.MaxAttempts;
            var acquired = 0;
            for (var attempt = 1; ; attempt++)
            {
                EddyResponse? response = null;
                Exception? error = null;
                FailureKind failure;
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    timeout.CancelAfter(AttemptTimeout(request));
                    try
                    {
                        using var message = Build(request);
                        using var answer = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                        await buffer.ReadFromAsync(answer.Content, timeout.Token).ConfigureAwait(false);
                        response = new EddyResponse(answer.StatusCode, answer.Version, answer.Headers, answer.Content.Headers, buffer, into is null, attempt);
                        failure = response.IsSuccess || attempt >= maxAttempts
                            ? FailureKind.None
                            : Answered(request, StandardRetry.Classify(response.Status, ErrorBody.Parse(response.Span, response.ContentType, response.Header("x-amzn-ErrorType")).Type));
                    }
                    catch (Exception e) when (IsTransportFailure(e, cancellationToken))
                    {
                        (error, failure) = Failed(e, request, AttemptTimeout(request), timeout);
                    }
                }

                if (response is { IsSuccess: true })
                {
                    _retry.OnSuccess(acquired);
                    return response;
                }

                var delay = _retry.NextDelay(attempt, maxAttempts, failure, ref acquired);
                if (delay is null)
                {
                    if (error is not null) ExceptionDispatchInfo.Throw(error);
                    return response!;
                }

                await DelayAsync(delay.Value, cancellationToken).ConfigureAwait(false);
            }
        }
        catch when (into is null)
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends a request whose answer is a stream (SubscribeToShard's event stream) and returns as soon as a 2xx answer's
    /// headers arrived; the caller reads and disposes it. The attempt timeout bounds only the wait for the headers. An
    /// error answer is retried like any other, and in the end thrown as an <see cref="EddyServiceException"/>.
    /// </summary>
    public async Task<HttpResponseMessage> OpenStreamAsync(EddyRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var maxAttempts = request.MaxAttempts ?? Options.Retry.MaxAttempts;
        var acquired = 0;
        for (var attempt = 1; ; attempt++)
        {
            Exception error;
            FailureKind failure;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(AttemptTimeout(request));
                try
                {
                    using var message = Build(request);
                    var answer = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                    if (answer.IsSuccessStatusCode)
                    {
                        _retry.OnSuccess(acquired);
                        return answer;
                    }

                    using (answer)
                    using (var body = new ResponseBuffer(4096))
                    {
                        await body.ReadFromAsync(answer.Content, timeout.Token).ConfigureAwait(false);
                        var exception = ErrorBody.ToException(answer.StatusCode, body.Span, answer.Content.Headers.ContentType?.MediaType,
                            Header(answer, "x-amzn-ErrorType"), Header(answer, "x-amzn-RequestId"), OperationOf(request.Target));
                        (error, failure) = (exception, Answered(request, StandardRetry.Classify(answer.StatusCode, exception.ErrorType)));
                    }
                }
                catch (Exception e) when (IsTransportFailure(e, cancellationToken))
                {
                    (error, failure) = Failed(e, request, AttemptTimeout(request), timeout);
                }
            }

            var delay = _retry.NextDelay(attempt, maxAttempts, failure, ref acquired);
            if (delay is null) ExceptionDispatchInfo.Throw(error);
            await DelayAsync(delay.Value, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The action of an X-Amz-Target (<c>Prefix.Action</c> → <c>Action</c>).</summary>
    public static string? OperationOf(string? target)
    {
        if (string.IsNullOrEmpty(target)) return null;
        var dot = target.LastIndexOf('.');
        return dot >= 0 ? target[(dot + 1)..] : target;
    }

    private HttpRequestMessage Build(EddyRequest request)
    {
        var endpoint = request.Endpoint ?? Options.Endpoint;
        var uri = request.Path is null ? endpoint : new Uri(endpoint, request.Path);
        var message = new HttpRequestMessage(request.Method, uri) { Version = Options.HttpVersion, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        string? contentType = null;
        if (!request.Body.IsEmpty || request.Method == HttpMethod.Post || request.Method == HttpMethod.Put || request.Method == HttpMethod.Patch)
        {
            var content = new ReadOnlyMemoryContent(request.Body);
            contentType = request.ContentType ?? _contentType;
            if (contentType.Length > 0) content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            else contentType = null;
            message.Content = content;
        }

        var target = string.IsNullOrEmpty(request.Target) ? null : request.Target;
        if (target is not null) message.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        if (request.Headers is { } extra)
        {
            foreach (var (name, value) in extra)
            {
                if (!message.Headers.TryAddWithoutValidation(name, value)) message.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }

        if (request.Sign ?? Options.Sign)
        {
            var signed = new List<(string, string)>(2);
            if (contentType is not null) signed.Add(("content-type", contentType));
            if (target is not null) signed.Add(("x-amz-target", target));
            var host = ReferenceEquals(endpoint, Options.Endpoint) ? _host : SigV4Signer.HostOf(endpoint);
            var at = request.SigningTime ?? Options.TimeProvider.GetUtcNow();
            var headers = _signer.SignHeaders(
                request.Credentials ?? _credentials, request.Region ?? Options.Region, request.Method.Method, host, uri.PathAndQuery,
                signed, SigV4.PayloadHash(request.Body.Span), at);
            foreach (var (name, value) in headers) message.Headers.TryAddWithoutValidation(name, value);
        }

        return message;
    }

    private static bool IsTransportFailure(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>How an error answer counts: a request that must not run twice is retried only after a throttling answer
    /// (the server refused it before doing anything); after a 5xx it may have done it.</summary>
    private static FailureKind Answered(EddyRequest request, FailureKind failure) =>
        request.Idempotent || failure == FailureKind.Throttling ? failure : FailureKind.None;

    /// <summary>A failure without an answer: what to throw if it stands, and how the retry rules count it. A request
    /// that must not run twice is retried only when the connection could not be made.</summary>
    private static (Exception Error, FailureKind Failure) Failed(Exception e, EddyRequest request, TimeSpan limit, CancellationTokenSource timeout)
    {
        if (e is OperationCanceledException)
        {
            var error = new TaskCanceledException(
                $"The request timed out: no complete answer within {limit.TotalSeconds:0.###} s.", new TimeoutException(e.Message, e), timeout.Token);
            return (error, request.Idempotent ? FailureKind.Timeout : FailureKind.None);
        }

        var neverSent = e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError };
        return (e, request.Idempotent || neverSent ? FailureKind.Transport : FailureKind.None);
    }

    private TimeSpan AttemptTimeout(EddyRequest request) => request.Timeout ?? Options.RequestTimeout;

    private Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, Options.TimeProvider, cancellationToken);

    private static string? Header(HttpResponseMessage message, string name) =>
        message.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}
