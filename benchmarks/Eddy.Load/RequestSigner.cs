using Eddy.Protocol.Auth;

namespace Eddy.Load;

/// <summary>
/// Real SigV4 signing of every request the tool sends, as the AWS SDKs sign: content-type, host, x-amz-date and
/// x-amz-target over the SHA-256 of the exact body bytes; the signing key is derived once per day. The key is
/// <c>--access-key</c>/<c>--secret-key</c> (for <c>eddy serve --auth on</c>), else a dummy one (Eddy's default accepts any
/// key, but only signed requests).
/// </summary>
public sealed class RequestSigner(string accessKey, string secretKey, string region)
{
    private const string SignedHeaders = "content-type;host;x-amz-date;x-amz-target";
    private (string Day, byte[] Key) _key = ("", []);

    /// <summary>Access key id and secret when none is given.</summary>
    public const string DummyKey = "eddy-load";

    /// <summary>The signer the options asked for (set by <see cref="LoadOptions.Parse"/>).</summary>
    public static RequestSigner Default { get; set; } = new(DummyKey, DummyKey, "us-east-1");

    /// <summary>The Authorization header value of one request.</summary>
    public string Authorization(Uri endpoint, string target, string amzDate, ReadOnlySpan<byte> body)
    {
        var day = amzDate[..8];
        var cached = _key;
        if (cached.Day != day)
        {
            cached = (day, SigV4.SigningKey(secretKey, day, region, "kinesis"));
            _key = cached;
        }

        var host = endpoint.IsDefaultPort ? endpoint.Host : $"{endpoint.Host}:{endpoint.Port}";
        var canonical = SigV4.CanonicalRequest(
            "POST",
            endpoint.AbsolutePath,
            "",
            [("content-type", KinesisClient.ContentType), ("host", host), ("x-amz-date", amzDate), ("x-amz-target", target)],
            SignedHeaders,
            SigV4.PayloadHash(body));
        var scope = $"{day}/{region}/kinesis/aws4_request";
        var signature = SigV4.Signature(cached.Key, SigV4.StringToSign(amzDate, scope, canonical));
        return $"AWS4-HMAC-SHA256 Credential={accessKey}/{scope}, SignedHeaders={SignedHeaders}, Signature={signature}";
    }
}
