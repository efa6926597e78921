using System.Text;
using Eddy.Client;
using Eddy.Client.Auth;
using Eddy.Protocol.Auth;

namespace Eddy.Testing;

/// <summary>The credentials a test client signs with. Eddy's default (<c>--auth off</c>) accepts any key and secret as long
/// as the request is signed; <c>--auth on</c> needs a key of its credentials file.</summary>
public sealed record TestKey(string AccessKeyId = "test", string SecretAccessKey = "test", string Region = "us-east-1", string? SessionToken = null)
{
    public static readonly TestKey Any = new();

    /// <summary>The key as Eddy.Client signs with it.</summary>
    public AwsCredentials Credentials => new(AccessKeyId, SecretAccessKey, SessionToken);
}

/// <summary>
/// SigV4 signing of test requests with Eddy.Client's <see cref="SigV4Signer"/>, the way the SDKs sign Kinesis calls: host,
/// x-amz-date and whichever of content-type, x-amz-target, x-amz-security-token and x-amz-content-sha256 the request
/// carries, over the SHA-256 of the exact body bytes. One call signs an <see cref="HttpRequestMessage"/>
/// (<see cref="SignAsync"/>, <see cref="Sign"/>), a raw header set (<c>SignHeaders</c>), or builds a presigned
/// request (<see cref="Presign"/>).
/// </summary>
public static class RequestSigning
{
    public const string Service = "kinesis";

    private static readonly SigV4Signer s_signer = new(Service);

    /// <summary>Signs <paramref name="request"/> over its own content (buffered first); adds X-Amz-Date, X-Amz-Security-Token
    /// (with a session token) and Authorization.</summary>
    public static async Task SignAsync(HttpRequestMessage request, TestKey? key = null, DateTime? at = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        Sign(request, body, key, at);
    }

    /// <summary>Signs <paramref name="request"/> as if its body were <paramref name="body"/> (pass other bytes than the
    /// content to build a tampered request).</summary>
    public static void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, TestKey? key = null, DateTime? at = null)
    {
        key ??= TestKey.Any;
        s_signer.Sign(request, body, key.Credentials, key.Region, At(at));
    }

    /// <summary>The headers to add to a request (X-Amz-Date, X-Amz-Security-Token with a session token, Authorization)
    /// that signs it: <paramref name="host"/> exactly as the Host header will carry it, <paramref name="headers"/> the
    /// other headers to sign as (name, value) as sent.</summary>
    public static IReadOnlyList<(string Name, string Value)> SignHeaders(
        string method, string host, string pathAndQuery, IEnumerable<(string Name, string Value)> headers, ReadOnlySpan<byte> body, TestKey? key = null, DateTime? at = null) =>
        SignHeaders(method, host, pathAndQuery, headers, SigV4.PayloadHash(body), key, at);

    /// <summary><see cref="SignHeaders(string, string, string, IEnumerable{ValueTuple{string, string}}, ReadOnlySpan{byte}, TestKey?, DateTime?)"/>
    /// over a given payload hash (e.g. <see cref="SigV4.UnsignedPayload"/>).</summary>
    public static IReadOnlyList<(string Name, string Value)> SignHeaders(
        string method, string host, string pathAndQuery, IEnumerable<(string Name, string Value)> headers, string payloadHash, TestKey? key = null, DateTime? at = null)
    {
        key ??= TestKey.Any;
        return s_signer.SignHeaders(key.Credentials, key.Region, method, host, pathAndQuery, headers, payloadHash, At(at));
    }

    /// <summary>A presigned (query-signed) Kinesis JSON request signing host and x-amz-target over
    /// <paramref name="signedBody"/> (default: the body sent) or over <paramref name="payloadHash"/>.</summary>
    public static HttpRequestMessage Presign(
        Uri endpoint, string operation, string body, TestKey? key = null, DateTime? at = null, int expiresSeconds = 300, string? signedBody = null, string? payloadHash = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        key ??= TestKey.Any;
        var target = KinesisJson.TargetPrefix + operation;
        var hash = payloadHash ?? SigV4.PayloadHash(Encoding.UTF8.GetBytes(signedBody ?? body));
        var query = s_signer.PresignQuery(key.Credentials, key.Region, "POST", HostOf(endpoint), "/", [("x-amz-target", target)], hash, At(at), expiresSeconds);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, "/?" + query)) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        return request;
    }

    /// <summary>The Host header an HTTP client sends for <paramref name="uri"/>: host, and :port unless the default.</summary>
    public static string HostOf(Uri uri) => SigV4Signer.HostOf(uri);

    private static DateTimeOffset At(DateTime? at) => at is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : DateTimeOffset.UtcNow;
}
