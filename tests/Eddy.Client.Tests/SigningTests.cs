using System.Text;
using Eddy.Client.Auth;
using Eddy.Client.Http;
using Eddy.Protocol.Auth;

namespace Eddy.Client.Tests;

/// <summary>SigV4 signing: AWS's published vectors, and requests signed by <see cref="EddyHttp"/> as Eddy's verifier checks them.</summary>
public sealed class SigningTests
{
    private static readonly AwsCredentials s_example = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    private static readonly DateTimeOffset s_at = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    [Fact]
    public void The_get_vanilla_vector_of_the_sigv4_test_suite()
    {
        var headers = new SigV4Signer("service").SignHeaders(s_example, "us-east-1", "GET", "example.amazonaws.com", "/", [], SigV4.EmptyPayloadHash, s_at);
        Assert.Equal(
        [
            ("X-Amz-Date", "20150830T123600Z"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ], headers);
    }

    [Fact]
    public void A_kinesis_call_signs_content_type_host_date_and_target()
    {
        var body = "{\"StreamName\":\"my-stream\"}"u8;
        var headers = new SigV4Signer("kinesis").SignHeaders(
            s_example, "us-east-1", "POST", "kinesis.us-east-1.amazonaws.com", "/",
            [("X-Amz-Target", "Kinesis_20131202.DescribeStreamSummary"), ("Content-Type", "application/x-amz-json-1.1")], SigV4.PayloadHash(body), s_at);
        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=a6360a8e3c89358100f92bb7f238e782aa148c6ec9a6ba34ce5ae70bdb4cfe99",
            headers.Single(h => h.Name == "Authorization").Value);
    }

    [Fact]
    public void A_session_token_is_sent_and_signed()
    {
        var headers = new SigV4Signer("kinesis").SignHeaders(s_example with { SessionToken = "tok" }, "us-east-1", "POST", "h", "/", [], SigV4.EmptyPayloadHash, s_at);
        Assert.Contains(("X-Amz-Security-Token", "tok"), headers);
        Assert.Contains("SignedHeaders=host;x-amz-date;x-amz-security-token,", headers.Single(h => h.Name == "Authorization").Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Credentials_never_print_their_secret() =>
        Assert.DoesNotContain(s_example.SecretAccessKey, s_example.ToString(), StringComparison.Ordinal);

    [Theory]
    [InlineData(null)]
    [InlineData("session-token")]
    public async Task What_eddy_http_sends_passes_eddys_verifier(string? token)
    {
        await using var stub = await StubServer.StartAsync(StubAnswer.Ok());
        var key = new AwsCredentials("AKIDTEST", "secret/with+odd=chars", token);
        using var http = new EddyHttp(new EddyClientOptions { Endpoint = stub.Endpoint, Credentials = key, Region = "eu-west-1" });
        var body = Encoding.UTF8.GetBytes("""{"StreamName":"s","Data":"AQID"}""");
        using (await http.SendAsync("Kinesis_20131202.PutRecord", body)) { }

        var seen = Assert.Single(stub.Requests);
        var verifier = new SigV4Verifier(id => id == key.AccessKeyId ? new SigV4Credential(id, key.SecretAccessKey, token) : null, TimeSpan.FromMinutes(5));
        var result = verifier.Verify(new SigV4Request(seen.Method, seen.Path, seen.Query, n => seen.Headers.TryGetValue(n, out var v) ? [v] : null, seen.Body));
        Assert.True(result.IsOk, result.Message);
        Assert.Equal("eu-west-1", result.Region);
    }

    [Fact]
    public async Task Unsigned_requests_carry_no_signature()
    {
        await using var stub = await StubServer.StartAsync(StubAnswer.Ok());
        using var http = new EddyHttp(new EddyClientOptions { Endpoint = stub.Endpoint, Sign = false });
        using (await http.SendAsync("Kinesis_20131202.ListStreams", "{}"u8.ToArray())) { }
        var seen = Assert.Single(stub.Requests);
        Assert.False(seen.Headers.ContainsKey("Authorization"));
        Assert.False(seen.Headers.ContainsKey("X-Amz-Date"));
        Assert.Equal("Kinesis_20131202.ListStreams", seen.Headers["X-Amz-Target"]);
        Assert.Equal("application/x-amz-json-1.1", seen.Headers["Content-Type"]);
    }
}
