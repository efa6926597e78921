using System.Text;
using System.Text.Json;
using Eddy.Protocol.Auth;
using Eddy.Testing;
using static Eddy.Server.Tests.AuthServerFixture;

namespace Eddy.Server.Tests;

/// <summary>Authentication (SigV4) and authorization (identity and resource policies) with <c>--auth on</c>.</summary>
public sealed class AuthTests(AuthServerFixture fixture) : IClassFixture<AuthServerFixture>
{
    private static readonly HttpClient s_http = new(new SocketsHttpHandler { UseProxy = false });
    private Uri Endpoint => fixture.Endpoint;

    [Fact]
    public void StartUpLineSaysAuthIsOn()
    {
        Assert.Contains("Eddy auth: on (--auth on); 5 access key(s)", fixture.Server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RightKeysPass()
    {
        var listed = await KinesisJson.CallAsync(Endpoint, "ListStreams", new { }, Admin);
        Assert.True(listed.IsSuccess, listed.ToString());
        var put = await KinesisJson.CallAsync(Endpoint, "PutRecord", new { StreamName = "other", Data = "AQID", PartitionKey = "k" }, Admin);
        Assert.True(put.IsSuccess, put.ToString());
    }

    [Fact]
    public async Task WrongSecretIsAnInvalidSignature()
    {
        var response = await KinesisJson.CallAsync(Endpoint, "ListStreams", new { }, Admin with { SecretAccessKey = "wrong" });
        Assert.Equal("InvalidSignatureException", response.ErrorType);
        Assert.Equal(400, (int)response.Status);
        Assert.StartsWith("The request signature we calculated does not match the signature you provided.", response.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BodyIsParsedBeforeTheSignatureIsChecked()
    {
        var response = await KinesisJson.CallAsync(Endpoint, "ListStreams", "not json", Admin with { SecretAccessKey = "wrong" });
        Assert.Equal("SerializationException", response.ErrorType);
        var unsigned = await KinesisJson.CallAsync(Endpoint, "PutRecords", "[1]", Admin with { Sign = false });
        Assert.Equal("SerializationException", unsigned.ErrorType);
    }

    [Fact]
    public async Task UnknownKeyIsUnrecognized()
    {
        var response = await KinesisJson.CallAsync(Endpoint, "ListStreams", new { }, new KinesisJsonOptions { AccessKeyId = "AKIDNOBODY", SecretAccessKey = "x" });
        Assert.Equal("UnrecognizedClientException", response.ErrorType);
        Assert.Equal("The security token included in the request is invalid.", response.ErrorMessage);
    }

    [Fact]
    public async Task OldSignatureHasExpired()
    {
        var response = await KinesisJson.CallAsync(Endpoint, "ListStreams", new { }, Admin with { SigningTime = DateTime.UtcNow.AddMinutes(-6) });
        Assert.Equal("InvalidSignatureException", response.ErrorType);
        Assert.StartsWith("Signature expired: ", response.ErrorMessage, StringComparison.Ordinal);
        Assert.EndsWith(" - 5 min.)", response.ErrorMessage, StringComparison.Ordinal);
        var withinSkew = await KinesisJson.CallAsync(Endpoint, "ListStreams", new { }, Admin with { SigningTime = DateTime.UtcNow.AddMinutes(-4) });
        Assert.True(withinSkew.IsSuccess, withinSkew.ToString());
    }

    [Fact]
    public async Task TamperedBodyIsRefused()
    {
        var signedBody = Encoding.UTF8.GetBytes("""{"StreamName":"other","Data":"AQID","PartitionKey":"k"}""");
        var sentBody = Encoding.UTF8.GetBytes("""{"StreamName":"other","Data":"AQIE","PartitionKey":"k"}""");
        using var request = PutRecordRequest(sentBody);
        RequestSigning.Sign(request, signedBody, Admin.Key);
        var (type, _) = await SendAsync(request);
        Assert.Equal("InvalidSignatureException", type);
    }

    /// <summary>The reproduced bypass: a PutRecord signed by a client that declares (and signs) X-Amz-Content-Sha256, as
    /// the JS SDK v3 does, replayed with other Data under the same headers, was stored.</summary>
    [Fact]
    public async Task ReplayWithTamperedDataUnderTheSignedContentSha256IsRefusedAndNothingIsStored()
    {
        var stream = "tamper-" + Guid.NewGuid().ToString("N")[..8];
        Assert.True((await KinesisJson.CallAsync(Endpoint, "CreateStream", new { StreamName = stream, ShardCount = 1 }, Admin)).IsSuccess); // ACTIVE at once (state delay 0)
        var original = Encoding.UTF8.GetBytes($$"""{"StreamName":"{{stream}}","Data":"AQID","PartitionKey":"k"}""");
        var tampered = Encoding.UTF8.GetBytes($$"""{"StreamName":"{{stream}}","Data":"/////w==","PartitionKey":"k"}""");
        using var captured = PutRecordRequest(original);
        captured.Headers.TryAddWithoutValidation("X-Amz-Content-Sha256", SigV4.PayloadHash(original));
        RequestSigning.Sign(captured, original, Admin.Key);
        var headers = captured.Headers.ToList();
        Assert.Null((await SendAsync(captured)).Type);

        using var replay = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ByteArrayContent(tampered) };
        replay.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-amz-json-1.1");
        foreach (var (name, values) in headers) replay.Headers.TryAddWithoutValidation(name, values);
        var (type, message) = await SendAsync(replay);
        Assert.Equal("InvalidSignatureException", type);
        Assert.Equal(SigV4Verifier.MismatchMessage, message);

        var iterator = await KinesisJson.CallAsync(Endpoint, "GetShardIterator", new { StreamName = stream, ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" }, Admin);
        var records = await KinesisJson.CallAsync(Endpoint, "GetRecords", new { ShardIterator = iterator.Json.GetProperty("ShardIterator").GetString() }, Admin);
        Assert.Equal(["AQID"], records.Json.GetProperty("Records").EnumerateArray().Select(r => r.GetProperty("Data").GetString()));
    }

    [Fact]
    public async Task ContentSha256ThatIsNotTheBodysIsRefused()
    {
        // Body and signature agree; only the declared hash lies.
        var body = Encoding.UTF8.GetBytes("{}");
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "Kinesis_20131202.ListStreams");
        RequestSigning.Sign(request, body, Admin.Key);
        request.Headers.TryAddWithoutValidation("X-Amz-Content-Sha256", SigV4.PayloadHash("{ }"u8));
        var (type, message) = await SendAsync(request);
        Assert.Equal("InvalidSignatureException", type);
        Assert.Equal(SigV4Verifier.MismatchMessage, message);
    }

    [Fact]
    public async Task UnsignedPayloadIsRefused()
    {
        var body = Encoding.UTF8.GetBytes("""{"StreamName":"other","Data":"AQID","PartitionKey":"k"}""");
        using var request = PutRecordRequest(body);
        request.Headers.TryAddWithoutValidation("X-Amz-Content-Sha256", SigV4.UnsignedPayload);
        (string, string)[] signedHeaders = [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "Kinesis_20131202.PutRecord"), ("X-Amz-Content-Sha256", SigV4.UnsignedPayload)];
        foreach (var (name, value) in RequestSigning.SignHeaders("POST", RequestSigning.HostOf(Endpoint), "/", signedHeaders, SigV4.UnsignedPayload, Admin.Key))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        var (type, message) = await SendAsync(request);
        Assert.Equal("InvalidSignatureException", type);
        Assert.Equal(SigV4Verifier.MismatchMessage, message);
    }

    [Fact]
    public async Task PresignedUrlDoesNotAuthorizeAnotherBody()
    {
        const string signed = """{"StreamName":"other","Data":"AQID","PartitionKey":"k"}""";
        using var good = RequestSigning.Presign(Endpoint, "PutRecord", signed, Admin.Key);
        Assert.Null((await SendAsync(good)).Type);

        using var tampered = RequestSigning.Presign(Endpoint, "PutRecord", signed.Replace("AQID", "AQIE", StringComparison.Ordinal), Admin.Key, signedBody: signed);
        var (type, message) = await SendAsync(tampered);
        Assert.Equal("InvalidSignatureException", type);
        Assert.Equal(SigV4Verifier.MismatchMessage, message);

        // Presigned over UNSIGNED-PAYLOAD (S3 style): refused for a Kinesis body, with or without the header saying so.
        using var unsigned = RequestSigning.Presign(Endpoint, "PutRecord", signed, Admin.Key, payloadHash: SigV4.UnsignedPayload);
        Assert.Equal("InvalidSignatureException", (await SendAsync(unsigned)).Type);
        using var declared = RequestSigning.Presign(Endpoint, "PutRecord", signed, Admin.Key, payloadHash: SigV4.UnsignedPayload);
        declared.Headers.TryAddWithoutValidation("X-Amz-Content-Sha256", SigV4.UnsignedPayload);
        Assert.Equal("InvalidSignatureException", (await SendAsync(declared)).Type);
    }

    [Fact]
    public async Task MissingSignatureIsMissingToken()
    {
        var response = await KinesisJson.CallAsync(Endpoint, "ListStreams", new { }, Admin with { Sign = false });
        Assert.Equal("MissingAuthenticationTokenException", response.ErrorType);
        Assert.Equal("Missing Authentication Token", response.ErrorMessage);
    }

    [Fact]
    public async Task IncompleteAuthorizationHeader()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new StringContent("{}") };
        request.Content.Headers.Remove("Content-Type");
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "Kinesis_20131202.ListStreams");
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDADMIN/20250101/us-east-1/kinesis/aws4_request");
        var (type, message) = await SendAsync(request);
        Assert.Equal("IncompleteSignatureException", type);
        Assert.Contains("Authorization header requires 'Signature' parameter.", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PresignedUrlWorks()
    {
        using var request = RequestSigning.Presign(Endpoint, "ListStreams", "{}", Admin.Key, DateTime.UtcNow);
        var (type, message) = await SendAsync(request);
        Assert.True(type is null, message);

        using var tampered = RequestSigning.Presign(Endpoint, "ListStreams", "{}", Admin.Key with { SecretAccessKey = "wrong" }, DateTime.UtcNow);
        Assert.Equal("InvalidSignatureException", (await SendAsync(tampered)).Type);

        using var late = RequestSigning.Presign(Endpoint, "ListStreams", "{}", Admin.Key, DateTime.UtcNow.AddMinutes(-10), expiresSeconds: 60);
        var (lateType, lateMessage) = await SendAsync(late);
        Assert.Equal("InvalidSignatureException", lateType);
        Assert.StartsWith("Signature expired: ", lateMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReaderCanReadOnlyItsStream()
    {
        var iterator = await KinesisJson.CallAsync(Endpoint, "GetShardIterator", new { StreamName = "readable", ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" }, Reader);
        Assert.True(iterator.IsSuccess, iterator.ToString());
        var records = await KinesisJson.CallAsync(Endpoint, "GetRecords", new { ShardIterator = iterator.Json.GetProperty("ShardIterator").GetString() }, Reader);
        Assert.True(records.IsSuccess, records.ToString());

        var put = await KinesisJson.CallAsync(Endpoint, "PutRecord", new { StreamName = "readable", Data = "AQID", PartitionKey = "k" }, Reader);
        Assert.Equal("AccessDeniedException", put.ErrorType);
        Assert.Equal(
            "User: arn:aws:iam::000000000000:user/reader is not authorized to perform: kinesis:PutRecord on resource: arn:aws:kinesis:us-east-1:000000000000:stream/readable because no identity-based policy allows the kinesis:PutRecord action",
            put.ErrorMessage);

        var other = await KinesisJson.CallAsync(Endpoint, "GetShardIterator", new { StreamARN = "arn:aws:kinesis:us-east-1:000000000000:stream/other", ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" }, Reader);
        Assert.Equal("AccessDeniedException", other.ErrorType);
        Assert.Contains("on resource: arn:aws:kinesis:us-east-1:000000000000:stream/other because", other.ErrorMessage, StringComparison.Ordinal);

        var list = await KinesisJson.CallAsync(Endpoint, "ListStreams", new { }, Reader);
        Assert.Equal("AccessDeniedException", list.ErrorType);
        Assert.Contains("on resource: arn:aws:kinesis:us-east-1:000000000000:*", list.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExplicitIdentityDenyWins()
    {
        var describe = await KinesisJson.CallAsync(Endpoint, "DescribeStreamSummary", new { StreamName = "readable" }, Careful);
        Assert.True(describe.IsSuccess, describe.ToString());
        var put = await KinesisJson.CallAsync(Endpoint, "PutRecord", new { StreamName = "readable", Data = "AQID", PartitionKey = "k" }, Careful);
        Assert.Equal("AccessDeniedException", put.ErrorType);
        Assert.EndsWith("on resource: arn:aws:kinesis:us-east-1:000000000000:stream/readable with an explicit deny in an identity-based policy", put.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResourcePolicies()
    {
        var create = await KinesisJson.CallAsync(Endpoint, "CreateStream", new { StreamName = "guarded", ShardCount = 1 }, Admin);
        Assert.True(create.IsSuccess, create.ToString());
        const string arn = "arn:aws:kinesis:us-east-1:000000000000:stream/guarded";
        var policy = JsonSerializer.Serialize(new
        {
            Version = "2012-10-17",
            Statement = new object[]
            {
                new { Effect = "Deny", Principal = new { AWS = "arn:aws:iam::000000000000:root" }, Action = "kinesis:PutRecord", Resource = arn },
                new { Effect = "Allow", Principal = new { AWS = "arn:aws:iam::000000000000:user/reader" }, Action = "kinesis:DescribeStreamSummary", Resource = arn },
            },
        });
        var put = await KinesisJson.CallAsync(Endpoint, "PutResourcePolicy", new { ResourceARN = arn, Policy = policy }, Admin);
        Assert.True(put.IsSuccess, put.ToString());

        var denied = await KinesisJson.CallAsync(Endpoint, "PutRecord", new { StreamName = "guarded", Data = "AQID", PartitionKey = "k" }, Admin);
        Assert.Equal("AccessDeniedException", denied.ErrorType);
        Assert.EndsWith("with an explicit deny in a resource-based policy", denied.ErrorMessage, StringComparison.Ordinal);
        var records = await KinesisJson.CallAsync(Endpoint, "PutRecords", new { StreamName = "guarded", Records = new[] { new { Data = "AQID", PartitionKey = "k" } } }, Admin);
        Assert.True(records.IsSuccess, records.ToString());

        // The resource policy grants the reader what no identity policy of its own does.
        var granted = await KinesisJson.CallAsync(Endpoint, "DescribeStreamSummary", new { StreamName = "guarded" }, Reader);
        Assert.True(granted.IsSuccess, granted.ToString());

        var deleted = await KinesisJson.CallAsync(Endpoint, "DeleteResourcePolicy", new { ResourceARN = arn }, Admin);
        Assert.True(deleted.IsSuccess, deleted.ToString());
        var allowed = await KinesisJson.CallAsync(Endpoint, "PutRecord", new { StreamName = "guarded", Data = "AQID", PartitionKey = "k" }, Admin);
        Assert.True(allowed.IsSuccess, allowed.ToString());
    }

    [Fact]
    public async Task TemporaryCredentials()
    {
        var ok = await KinesisJson.CallAsync(Endpoint, "ListStreams", new { }, Temporary);
        Assert.True(ok.IsSuccess, ok.ToString());
        var noToken = await KinesisJson.CallAsync(Endpoint, "ListStreams", new { }, Temporary with { SessionToken = null });
        Assert.Equal("UnrecognizedClientException", noToken.ErrorType);
        var expired = await KinesisJson.CallAsync(Endpoint, "ListStreams", new { }, Expired);
        Assert.Equal("ExpiredTokenException", expired.ErrorType);
        Assert.Equal("The security token included in the request is expired", expired.ErrorMessage);
    }

    private HttpRequestMessage PutRecordRequest(byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "Kinesis_20131202.PutRecord");
        return request;
    }

    private static async Task<(string? Type, string? Message)> SendAsync(HttpRequestMessage request)
    {
        using var response = await s_http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.IsSuccessStatusCode) return (null, body);
        using var json = JsonDocument.Parse(body);
        return (json.RootElement.GetProperty("__type").GetString(), json.RootElement.TryGetProperty("message", out var m) ? m.GetString() : null);
    }
}
