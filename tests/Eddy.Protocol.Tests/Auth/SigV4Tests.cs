using System.Text;
using Eddy.Protocol.Auth;

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
    public void ContentSha256HeaderStandsForTheBody()
    {
        var headers = KinesisHeaders();
        headers["x-amz-content-sha256"] = "969d7763523ead89898f6c180599146c8a508b24c5b7780e64052bcf40d7b1e4";
        // The header's value is used, not the body's hash; it is not a signed header here, so the signature holds.
        Assert.True(Verifier().Verify(Request("POST", headers, "other body")).IsOk);
    }

    [Fact]
    public void UnknownKeyIsUnrecognized()
    {
        var result = new SigV4Verifier(_ => null, TimeSpan.FromMinutes(5), clock: new FixedClock(s_requestTime)).Verify(KinesisRequest());
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
        Assert.True(new SigV4Verifier(Lookup(Secret), TimeSpan.FromMinutes(15), clock: new FixedClock(s_requestTime.AddMinutes(14))).Verify(KinesisRequest()).IsOk);

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
        var result = Verifier().Verify(Request("POST", KinesisHeaders(), KinesisBody, "?X-Amz-Algorithm=AWS4-HMAC-SHA256"));
        Assert.Equal(SigV4Status.InvalidSignature, result.Status);
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
        // Sign the Kinesis example as a presigned URL: the auth parameters (but the signature) are in the canonical query.
        var query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fkinesis%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host";
        var canonical = SigV4.CanonicalRequest("POST", "/", SigV4.CanonicalQuery(query), [("host", "kinesis.us-east-1.amazonaws.com")], "host", SigV4.PayloadHash(Encoding.UTF8.GetBytes(KinesisBody)));
        var signature = SigV4.Signature(SigV4.SigningKey(Secret, "20150830", "us-east-1", "kinesis"), SigV4.StringToSign("20150830T123600Z", "20150830/us-east-1/kinesis/aws4_request", canonical));
        var headers = new Dictionary<string, string> { ["host"] = "kinesis.us-east-1.amazonaws.com" };
        var url = "?" + query + "&X-Amz-Signature=" + signature;
        Assert.True(Verifier().Verify(Request("POST", headers, KinesisBody, url)).IsOk);
        Assert.Equal(SigV4Status.InvalidSignature, Verifier().Verify(Request("POST", headers, KinesisBody + " ", url)).Status);
        var late = Verifier(now: s_requestTime.AddSeconds(301)).Verify(Request("POST", headers, KinesisBody, url));
        Assert.Equal(SigV4Status.InvalidSignature, late.Status);
        Assert.StartsWith("Signature expired: 20150830T123600Z", late.Message, StringComparison.Ordinal);
        var incomplete = Verifier().Verify(Request("POST", headers, KinesisBody, "?X-Amz-Algorithm=AWS4-HMAC-SHA256"));
        Assert.Equal(SigV4Status.IncompleteSignature, incomplete.Status);
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

    private static SigV4Verifier Verifier(SigV4Credential? credential = null, string secret = Secret, string service = "kinesis", DateTimeOffset? now = null) =>
        new(credential is null ? Lookup(secret) : id => id == credential.AccessKeyId ? credential : null, TimeSpan.FromMinutes(5), service, new FixedClock(now ?? s_requestTime));

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

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
