using System.Text;
using Eddy.Protocol.Auth;
using Microsoft.Extensions.Time.Testing;

namespace Eddy.Protocol.Tests.Auth;

public sealed class SigV4Tests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string KinesisBody = "{\"StreamName\":\"my-stream\"}";
    private const string KinesisSignature = "a6360a8e3c89358100f92bb7f238e782aa148c6ec9a6ba34ce5ae70bdb4cfe99";
    private static readonly DateTimeOffset s_requestTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    [Fact]
    public void GetVanillaVector()
    {
        var canonical = SigV4.CanonicalRequest("GET", "/", "", [("host", "example.amazonaws.com"), ("x-amz-date", "20150830T123600Z")], "host;x-amz-date", SigV4.EmptyPayloadHash);
        var stringToSign = SigV4.StringToSign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", canonical);
        var signature = SigV4.Signature(SigV4.SigningKey(Secret, "20150830", "us-east-1", "service"), stringToSign);
        Assert.Equal("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", signature);
    }

    [Fact]
    public void KinesisExampleVector()
    {
        var bodyHash = SigV4.PayloadHash(Encoding.UTF8.GetBytes(KinesisBody));
        Assert.Equal("969d7763523ead89898f6c180599146c8a508b24c5b7780e64052bcf40d7b1e4", bodyHash);
        var canonical = SigV4.CanonicalRequest("POST", "/", "",
            [("content-type", "application/x-amz-json-1.1"), ("host", "kinesis.us-east-1.amazonaws.com"), ("x-amz-date", "20150830T123600Z"), ("x-amz-target", "Kinesis_20131202.DescribeStreamSummary")],
            "content-type;host;x-amz-date;x-amz-target", bodyHash);
        Assert.Equal(
            "POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:kinesis.us-east-1.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-target:Kinesis_20131202.DescribeStreamSummary\n\ncontent-type;host;x-amz-date;x-amz-target\n969d7763523ead89898f6c180599146c8a508b24c5b7780e64052bcf40d7b1e4",
            canonical);
        Assert.Equal("a85ba178db5d4098782858fb4b36af7d81324de4f3d171e52a9dd7a17790c038", SigV4.PayloadHash(Encoding.UTF8.GetBytes(canonical)));
        var stringToSign = SigV4.StringToSign("20150830T123600Z", "20150830/us-east-1/kinesis/aws4_request", canonical);
        Assert.Equal(KinesisSignature, SigV4.Signature(SigV4.SigningKey(Secret, "20150830", "us-east-1", "kinesis"), stringToSign));
    }

    [Fact]
    public void VerifierAcceptsTheKinesisExample()
    {
        var result = Verifier().Verify(KinesisRequest());
        Assert.True(result.IsOk, result.Message);
        Assert.Equal("AKIDEXAMPLE", result.Credential!.AccessKeyId);
        Assert.Equal("us-east-1", result.Region);
    }

    [Fact]
    public void VerifierAcceptsGetVanillaWithItsService()
    {
        var headers = new Dictionary<string, string>
        {
            ["host"] = "example.amazonaws.com",
            ["x-amz-date"] = "20150830T123600Z",
            ["authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        };
        var result = Verifier(service: "service").Verify(Request("GET", headers, ""));
        Assert.True(result.IsOk, result.Message);
    }

    [Fact]
    public void TamperedBodyIsInvalid()
    {
        var result = Verifier().Verify(KinesisRequest(body: "{\"StreamName\":\"my-streaM\"}"));
        Assert.Equal(SigV4Status.InvalidSignature, result.Status);
        Assert.Equal(SigV4Verifier.MismatchMessage, result.Message);
    }

    [Fact]
    public void WrongSecretIsInvalid() =>
        Assert.Equal(SigV4Status.InvalidSignature, Verifier(secret: "not-the-secret").Verify(KinesisRequest()).Status);

    [Fact]
    public void ContentSha256HeaderMustBeTheBodysHash()
    {
        var headers = KinesisHeaders();
        headers["x-amz-content-sha256"] = "969d7763523ead89898f6c180599146c8a508b24c5b7780e64052bcf40d7b1e4";
        Assert.True(Verifier().Verify(Request("POST", headers, KinesisBody)).IsOk);
        // The declared hash is not taken on trust: another body under the same (unsigned) header is refused.
        var other = Verifier().Verify(Request("POST", headers, "other body"));
        Assert.Equal(SigV4Status.InvalidSignature, other.Status);
        Assert.Equal(SigV4Verifier.MismatchMessage, other.Message);
    }

    [Fact]
    public void ReplayWithATamperedBodyUnderASignedContentSha256IsRefused()
    {
        // A client that signs X-Amz-Content-Sha256 (as the JS SDK v3 does); the captured request is replayed with other Data.
        const string body = "{\"StreamName\":\"s\",\"Data\":\"AQID\",\"PartitionKey\":\"k\"}";
        var headers = Signed(body, withContentSha256: true);
        Assert.True(Verifier().Verify(Request("POST", headers, body)).IsOk);
        var replay = Verifier().Verify(Request("POST", headers, body.Replace("AQID", "BBBB", StringComparison.Ordinal)));
        Assert.Equal(SigV4Status.InvalidSignature, replay.Status);
        Assert.Equal(SigV4Verifier.MismatchMessage, replay.Message);
    }

    [Fact]
    public void UnsignedPayloadIsRefusedForKinesisBodies()
    {
        // Correctly signed with the right secret, but over UNSIGNED-PAYLOAD: AWS signs every Kinesis payload.
        var headers = Signed(KinesisBody, payloadHash: SigV4.UnsignedPayload);
        headers["x-amz-content-sha256"] = SigV4.UnsignedPayload;
        var result = Verifier().Verify(Request("POST", headers, KinesisBody));
        Assert.Equal(SigV4Status.InvalidSignature, result.Status);
        Assert.Equal(SigV4Verifier.MismatchMessage, result.Message);
    }

    [Fact]
    public void PresignedUrlsSignTheBodyToo()
    {
        var url = Presigned(SigV4.PayloadHash(Encoding.UTF8.GetBytes(KinesisBody)));
        var host = new Dictionary<string, string> { ["host"] = "kinesis.us-east-1.amazonaws.com" };
        Assert.True(Verifier().Verify(Request("POST", host, KinesisBody, url)).IsOk);
        Assert.Equal(SigV4Status.InvalidSignature, Verifier().Verify(Request("POST", host, "{\"StreamName\":\"other\"}", url)).Status);

        // The same replay with the original hash declared in X-Amz-Content-Sha256.
        var declared = new Dictionary<string, string>(host) { ["x-amz-content-sha256"] = SigV4.PayloadHash(Encoding.UTF8.GetBytes(KinesisBody)) };
        Assert.Equal(SigV4Status.InvalidSignature, Verifier().Verify(Request("POST", declared, "{\"StreamName\":\"other\"}", url)).Status);

        // A presigner that leaves the payload unsigned (S3 style) does not authorize a Kinesis body.
        var unsigned = Presigned(SigV4.UnsignedPayload);
        var result = Verifier().Verify(Request("POST", host, KinesisBody, unsigned));
        Assert.Equal(SigV4Status.InvalidSignature, result.Status);
        Assert.Equal(SigV4Verifier.MismatchMessage, result.Message);
        var declaredUnsigned = new Dictionary<string, string>(host) { ["x-amz-content-sha256"] = SigV4.UnsignedPayload };
        Assert.Equal(SigV4Status.InvalidSignature, Verifier().Verify(Request("POST", declaredUnsigned, KinesisBody, unsigned)).Status);
    }

    [Fact]
    public void UnknownKeyIsUnrecognized()
    {
        var result = new SigV4Verifier(_ => null, TimeSpan.FromMinutes(5), clock: new FakeTimeProvider(s_requestTime)).Verify(KinesisRequest());
        Assert.Equal(SigV4Status.UnrecognizedClient, result.Status);
        Assert.Equal("The security token included in the request is invalid.", result.Message);
    }

    [Fact]
    public void NoAuthenticationIsMissingToken()
    {
        var headers = KinesisHeaders();
        headers.Remove("authorization");
        var result = Verifier().Verify(Request("POST", headers, KinesisBody));
        Assert.Equal(SigV4Status.MissingAuthenticationToken, result.Status);
        Assert.Equal("Missing Authentication Token", result.Message);
    }

    [Fact]
    public void IncompleteHeaderListsWhatIsMissing()
    {
        var headers = KinesisHeaders();
        headers["authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request";
        headers.Remove("x-amz-date");
        var result = Verifier().Verify(Request("POST", headers, KinesisBody));
        Assert.Equal(SigV4Status.IncompleteSignature, result.Status);
        Assert.Equal(
            "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
            "Authorization=AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request",
            result.Message);
    }

    [Fact]
    public void LenientSeparators()
    {
        var headers = KinesisHeaders();
        headers["authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request,SignedHeaders=content-type;host;x-amz-date;x-amz-target,Signature=" + KinesisSignature;
        Assert.True(Verifier().Verify(Request("POST", headers, KinesisBody)).IsOk);
    }

    [Theory]
    [InlineData(-6, "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T124200Z - 5 min.)")]
    [InlineData(6, "Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z (20150830T123000Z + 5 min.)")]
    public void ClockSkewBeyondFiveMinutesIsRefused(int minutesBehind, string message)
    {
        var result = Verifier(now: s_requestTime.AddMinutes(-minutesBehind)).Verify(KinesisRequest());
        Assert.Equal(SigV4Status.InvalidSignature, result.Status);
        Assert.Equal(message, result.Message);
    }

    [Fact]
    public void ClockSkewIsConfigurable() =>
        Assert.True(new SigV4Verifier(Lookup(Secret), TimeSpan.FromMinutes(15), clock: new FakeTimeProvider(s_requestTime.AddMinutes(14))).Verify(KinesisRequest()).IsOk);

    [Fact]
    public void ScopeDateMustMatch()
    {
        var headers = KinesisHeaders();
        headers["authorization"] = headers["authorization"].Replace("20150830/", "20150831/", StringComparison.Ordinal);
        var result = Verifier().Verify(Request("POST", headers, KinesisBody));
        Assert.Equal(SigV4Status.InvalidSignature, result.Status);
        Assert.StartsWith("Date in Credential scope does not match", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BothHeaderAndQueryIsInvalid()
    {
        var result = Verifier().Verify(Request("POST", KinesisHeaders(), KinesisBody, "?X-Amz-Algorithm"));
        Assert.Equal(SigV4Status.InvalidSignature, result.Status);
        Assert.Equal("Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.", result.Message);
    }

    [Fact]
    public void SessionTokens()
    {
        var token = "FQoGZXIvYXdzEXAMPLE";
        SigV4Credential temporary = new("AKIDEXAMPLE", Secret, token, s_requestTime.AddHours(1));
        var withToken = KinesisHeaders();
        withToken["x-amz-security-token"] = token;
        Assert.True(Verifier(temporary).Verify(Request("POST", withToken, KinesisBody)).IsOk);
        Assert.Equal(SigV4Status.UnrecognizedClient, Verifier(temporary).Verify(KinesisRequest()).Status);
        withToken["x-amz-security-token"] = token + "x";
        Assert.Equal(SigV4Status.UnrecognizedClient, Verifier(temporary).Verify(Request("POST", withToken, KinesisBody)).Status);
        withToken["x-amz-security-token"] = token;
        var expired = Verifier(temporary with { Expiration = s_requestTime.AddMinutes(-1) }).Verify(Request("POST", withToken, KinesisBody));
        Assert.Equal(SigV4Status.ExpiredToken, expired.Status);
        Assert.Equal("The security token included in the request is expired", expired.Message);
    }

    [Fact]
    public void PresignedQuery()
    {
        // The Kinesis example as a presigned URL: the auth parameters (but the signature) are in the canonical query.
        var headers = new Dictionary<string, string> { ["host"] = "kinesis.us-east-1.amazonaws.com" };
        var url = Presigned(SigV4.PayloadHash(Encoding.UTF8.GetBytes(KinesisBody)));
        Assert.True(Verifier().Verify(Request("POST", headers, KinesisBody, url)).IsOk);
        Assert.Equal(SigV4Status.InvalidSignature, Verifier().Verify(Request("POST", headers, KinesisBody + " ", url)).Status);
        var late = Verifier(now: s_requestTime.AddSeconds(301)).Verify(Request("POST", headers, KinesisBody, url));
        Assert.Equal(SigV4Status.InvalidSignature, late.Status);
        Assert.StartsWith("Signature expired: 20150830T123600Z", late.Message, StringComparison.Ordinal);
        var incomplete = Verifier().Verify(Request("POST", headers, KinesisBody, "?X-Amz-Algorithm=AWS4-HMAC-SHA256"));
        Assert.Equal(SigV4Status.IncompleteSignature, incomplete.Status);
    }

    [Fact]
    public void FormatCheckAcceptsAnyKeyAndSecret()
    {
        var headers = Signed(KinesisBody, secret: "any secret at all");
        headers["authorization"] = headers["authorization"].Replace("AKIDEXAMPLE", "anybody", StringComparison.Ordinal);
        var result = Verifier().CheckFormat(Request("POST", headers, KinesisBody));
        Assert.True(result.IsOk, result.Message);
        Assert.Equal(("anybody", "us-east-1"), (result.AccessKeyId, result.Region));
        Assert.Null(result.Credential);
        // The signature is not checked at all: a made-up one of the right form passes.
        headers["authorization"] = "AWS4-HMAC-SHA256 Credential=k/20150830/eu-west-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + new string('0', 64);
        Assert.True(Verifier().CheckFormat(Request("POST", headers, KinesisBody)).IsOk);
    }

    public static TheoryData<string?, string?, string?, SigV4Status, string> Malformed => new()
    {
        { null, null, null, SigV4Status.MissingAuthenticationToken, "Missing Authentication Token" },
        {
            "X", null, "", SigV4Status.IncompleteSignature,
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
            "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
            "Authorization=X"
        },
        { "AWS4- Signature=b Credential=a", null, "a", SigV4Status.IncompleteSignature, "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4- Signature=b Credential=a" },
        { "AWS4- Signature=b,Credential=a", null, "a", SigV4Status.IncompleteSignature, "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4- Signature=b,Credential=a" },
        { "X", "?X-Amz-Algorithm", null, SigV4Status.InvalidSignature, "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header." },
        { null, "?X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=c&X-Amz-Date=d", null, SigV4Status.MissingAuthenticationToken, "Missing Authentication Token" },
        {
            null, "?X-Amz-Algorithm", null, SigV4Status.IncompleteSignature,
            "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include 'X-Amz-Credential'. " +
            "AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. " +
            "AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."
        },
        {
            null, "?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-Date=d", null, SigV4Status.IncompleteSignature,
            "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters."
        },
        { "AWS4-HMAC-SHA256 Credential=a/b/c/d, SignedHeaders=host, Signature=s", null, "201", SigV4Status.IncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '201'. See http://en.wikipedia.org/wiki/ISO_8601" },
        {
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, SignedHeaders=x-amz-date, Signature=s", null, null,
            SigV4Status.InvalidSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        },
        {
            "AWS4-HMAC-SHA512 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=s", null, null,
            SigV4Status.IncompleteSignature, "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'"
        },
        {
            "AWS4-HMAC-SHA256 Credential=a/b/c/d, SignedHeaders=host, Signature=s", null, null,
            SigV4Status.IncompleteSignature, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c/d'"
        },
        {
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150831/us-east-1/dynamodb/aws4_requests, SignedHeaders=host, Signature=s", null, null,
            SigV4Status.InvalidSignature,
            "Credential should be scoped to correct service: 'kinesis'. Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_requests'. " +
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from '20150830T123600Z'."
        },
    };

    /// <summary>AWS's answers to missing and malformed signatures, before any key is looked at: the same from the format
    /// check (any credentials) and from full verification.</summary>
    /// <param name="date">Replaces X-Amz-Date by a Date header of this value ("" = neither header); null keeps X-Amz-Date.</param>
    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedSignaturesGetAwsAnswers(string? authorization, string? query, string? date, SigV4Status status, string message)
    {
        var headers = KinesisHeaders();
        if (authorization is null) headers.Remove("authorization");
        else headers["authorization"] = authorization;
        if (date is not null)
        {
            headers.Remove("x-amz-date");
            if (date.Length > 0) headers["date"] = date;
        }
        var request = Request("POST", headers, KinesisBody, query);
        foreach (var result in (SigV4Result[])[Verifier().CheckFormat(request), Verifier().Verify(request)])
        {
            Assert.Equal(status, result.Status);
            Assert.Equal(message, result.Message);
        }
    }

    [Fact]
    public void FormatCheckKeepsTheClockSkew()
    {
        var result = Verifier(now: s_requestTime.AddMinutes(6)).CheckFormat(Request("POST", Signed(KinesisBody, secret: "any"), KinesisBody));
        Assert.Equal(SigV4Status.InvalidSignature, result.Status);
        Assert.Equal("Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T124200Z - 5 min.)", result.Message);
    }

    /// <summary>A ListStreams the JS SDK v3 (3.1142) sent over HTTP/2 with key and secret "test", as captured: it signs
    /// <c>:authority</c> rather than <c>host</c>, and declares X-Amz-Content-Sha256.</summary>
    [Fact]
    public void JsSdkHttp2RequestSigningAuthorityVerifies()
    {
        var headers = new Dictionary<string, string>
        {
            [":authority"] = "127.0.0.1:45229",
            ["content-type"] = "application/x-amz-json-1.1",
            ["x-amz-target"] = "Kinesis_20131202.ListStreams",
            ["content-length"] = "2",
            ["x-amz-user-agent"] = "aws-sdk-js/3.1142.0",
            ["amz-sdk-invocation-id"] = "88698fb0-5381-4302-8e78-c0723ec7f065",
            ["amz-sdk-request"] = "attempt=1; max=3",
            ["x-amz-date"] = "20261204T165435Z",
            ["x-amz-content-sha256"] = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            ["authorization"] = "AWS4-HMAC-SHA256 Credential=test/20261204/us-east-1/kinesis/aws4_request, " +
                "SignedHeaders=:authority;amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;x-amz-content-sha256;x-amz-date;x-amz-target;x-amz-user-agent, " +
                "Signature=ac85e0ec80a584cc561a43bae3540588c63baed65eaf638f618ccbebf5ce7020",
        };
        var verifier = new SigV4Verifier(id => id == "test" ? new SigV4Credential(id, "test") : null, TimeSpan.FromMinutes(5), clock: new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 16, 54, 35, TimeSpan.Zero)));
        var result = verifier.Verify(Request("POST", headers, "{}"));
        Assert.True(result.IsOk, result.Message);
        Assert.Equal(SigV4Status.InvalidSignature, verifier.Verify(Request("POST", headers, "{ }")).Status);
    }

    [Fact]
    public void CanonicalQueryAndHeaders()
    {
        Assert.Equal("a=1&a=2&b=%20x&c%2Fd=", SigV4.CanonicalQuery("?b=+x&a=2&c%2fd&a=1"));
        Assert.Equal("a b,c", SigV4.CanonicalHeaderValue(["  a    b ", "c"]));
        Assert.Equal("/a%20b/c", SigV4.CanonicalUri("/a b/c"));
    }

    [Fact]
    public void SigningKeysAreCached()
    {
        var verifier = Verifier();
        Assert.Same(verifier.SigningKey(Secret, "20150830", "us-east-1", "kinesis"), verifier.SigningKey(Secret, "20150830", "us-east-1", "kinesis"));
    }

    /// <summary>The Kinesis example's headers signed over <paramref name="body"/> at the example's time (with the secret
    /// <paramref name="secret"/>), optionally declaring and signing X-Amz-Content-Sha256.</summary>
    private static Dictionary<string, string> Signed(string body, bool withContentSha256 = false, string? payloadHash = null, string secret = Secret)
    {
        var headers = KinesisHeaders();
        headers.Remove("authorization");
        var hash = payloadHash ?? SigV4.PayloadHash(Encoding.UTF8.GetBytes(body));
        if (withContentSha256) headers["x-amz-content-sha256"] = hash;
        var names = headers.Keys.Order(StringComparer.Ordinal).ToArray();
        var signedHeaders = string.Join(';', names);
        var canonical = SigV4.CanonicalRequest("POST", "/", "", names.Select(n => (n, headers[n])), signedHeaders, hash);
        var signature = SigV4.Signature(SigV4.SigningKey(secret, "20150830", "us-east-1", "kinesis"), SigV4.StringToSign("20150830T123600Z", "20150830/us-east-1/kinesis/aws4_request", canonical));
        headers["authorization"] = $"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, SignedHeaders={signedHeaders}, Signature={signature}";
        return headers;
    }

    /// <summary>A presigned query (signing only the host) over <paramref name="payloadHash"/>.</summary>
    private static string Presigned(string payloadHash)
    {
        var query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fkinesis%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host";
        var canonical = SigV4.CanonicalRequest("POST", "/", SigV4.CanonicalQuery(query), [("host", "kinesis.us-east-1.amazonaws.com")], "host", payloadHash);
        var signature = SigV4.Signature(SigV4.SigningKey(Secret, "20150830", "us-east-1", "kinesis"), SigV4.StringToSign("20150830T123600Z", "20150830/us-east-1/kinesis/aws4_request", canonical));
        return "?" + query + "&X-Amz-Signature=" + signature;
    }

    private static SigV4Verifier Verifier(SigV4Credential? credential = null, string secret = Secret, string service = "kinesis", DateTimeOffset? now = null) =>
        new(credential is null ? Lookup(secret) : id => id == credential.AccessKeyId ? credential : null, TimeSpan.FromMinutes(5), service, new FakeTimeProvider(now ?? s_requestTime));

    private static Func<string, SigV4Credential?> Lookup(string secret) => id => id == "AKIDEXAMPLE" ? new SigV4Credential(id, secret) : null;

    private static Dictionary<string, string> KinesisHeaders() => new()
    {
        ["host"] = "kinesis.us-east-1.amazonaws.com",
        ["content-type"] = "application/x-amz-json-1.1",
        ["x-amz-date"] = "20150830T123600Z",
        ["x-amz-target"] = "Kinesis_20131202.DescribeStreamSummary",
        ["authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + KinesisSignature,
    };

    private static SigV4Request KinesisRequest(string body = KinesisBody) => Request("POST", KinesisHeaders(), body);

    private static SigV4Request Request(string method, Dictionary<string, string> headers, string body, string? query = null) =>
        new(method, "/", query, name => headers.TryGetValue(name, out var v) ? [v] : null, Encoding.UTF8.GetBytes(body));
}
