using System.Globalization;
using System.Text;
using Eddy.Protocol.Auth;

namespace Eddy.Testing;

/// <summary>The credentials a test client signs with. Eddy's default (<c>--auth off</c>) accepts any key and secret as long
/// as the request is signed; <c>--auth on</c> needs a key of its credentials file.</summary>
public sealed record TestKey(string AccessKeyId = "test", string SecretAccessKey = "test", string Region = "us-east-1", string? SessionToken = null)
{
    public static readonly TestKey Any = new();
}

/// <summary>
/// SigV4 signing of test requests with Eddy.Protocol's <see cref="SigV4"/>, the way the SDKs sign Kinesis calls: host,
/// x-amz-date and whichever of content-type, x-amz-target, x-amz-security-token and x-amz-content-sha256 the request
/// carries, over the SHA-256 of the exact body bytes. One call signs an <see cref="HttpRequestMessage"/>
/// (<see cref="SignAsync"/>, <see cref="Sign"/>), a raw header set (<see cref="SignHeaders"/>), or builds a presigned
/// request (<see cref="Presign"/>).
/// </summary>
public static class RequestSigning
{
    public const string Service = "kinesis";

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
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        var headers = new List<(string, string)>();
        Add("content-type", request.Content?.Headers);
        Add("x-amz-target", request.Headers);
        Add("x-amz-content-sha256", request.Headers);
        foreach (var (name, value) in SignHeaders(request.Method.Method, HostOf(uri), uri.PathAndQuery, headers, body, key, at))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        void Add(string name, System.Net.Http.Headers.HttpHeaders? from)
        {
            if (from is not null && from.TryGetValues(name, out var values)) headers.Add((name, string.Join(',', values)));
        }
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
        var amzDate = SigV4.FormatAmzDate(at ?? DateTime.UtcNow);
        var added = new List<(string Name, string Value)> { ("X-Amz-Date", amzDate) };
        if (key.SessionToken is { } token) added.Add(("X-Amz-Security-Token", token));
        var signed = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["host"] = host };
        foreach (var (name, value) in headers.Concat(added)) signed[name.ToLowerInvariant()] = SigV4.CanonicalHeaderValue([value]);
        var signedHeaders = string.Join(';', signed.Keys);
        var query = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var canonical = SigV4.CanonicalRequest(
            method, query < 0 ? pathAndQuery : pathAndQuery[..query], SigV4.CanonicalQuery(query < 0 ? null : pathAndQuery[query..]),
            signed.Select(h => (h.Key, h.Value)), signedHeaders, payloadHash);
        var scope = $"{amzDate[..8]}/{key.Region}/{Service}/{SigV4.Terminator}";
        var signature = SigV4.Signature(SigV4.SigningKey(key.SecretAccessKey, amzDate[..8], key.Region, Service), SigV4.StringToSign(amzDate, scope, canonical));
        added.Add(("Authorization", $"{SigV4.Algorithm} Credential={key.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}"));
        return added;
    }

    /// <summary>A presigned (query-signed) Kinesis JSON request signing host and x-amz-target over
    /// <paramref name="signedBody"/> (default: the body sent) or over <paramref name="payloadHash"/>.</summary>
    public static HttpRequestMessage Presign(
        Uri endpoint, string operation, string body, TestKey? key = null, DateTime? at = null, int expiresSeconds = 300, string? signedBody = null, string? payloadHash = null)
    {
        key ??= TestKey.Any;
        var amzDate = SigV4.FormatAmzDate(at ?? DateTime.UtcNow);
        var scope = $"{amzDate[..8]}/{key.Region}/{Service}/{SigV4.Terminator}";
        var query = "X-Amz-Algorithm=" + SigV4.Algorithm
            + "&X-Amz-Credential=" + Uri.EscapeDataString($"{key.AccessKeyId}/{scope}")
            + "&X-Amz-Date=" + amzDate
            + "&X-Amz-Expires=" + expiresSeconds.ToString(CultureInfo.InvariantCulture)
            + "&X-Amz-SignedHeaders=host%3Bx-amz-target";
        var target = KinesisJson.TargetPrefix + operation;
        var bytes = Encoding.UTF8.GetBytes(body);
        var hash = payloadHash ?? SigV4.PayloadHash(Encoding.UTF8.GetBytes(signedBody ?? body));
        var canonical = SigV4.CanonicalRequest("POST", "/", SigV4.CanonicalQuery(query), [("host", HostOf(endpoint)), ("x-amz-target", target)], "host;x-amz-target", hash);
        var signature = SigV4.Signature(SigV4.SigningKey(key.SecretAccessKey, amzDate[..8], key.Region, Service), SigV4.StringToSign(amzDate, scope, canonical));
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, "/?" + query + "&X-Amz-Signature=" + signature)) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        return request;
    }

    /// <summary>The Host header an HTTP client sends for <paramref name="uri"/>: host, and :port unless the default.</summary>
    public static string HostOf(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}";
    }
}
