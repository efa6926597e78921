using System.Net;
using System.Text.Json;
using Eddy.Testing;

namespace Eddy.Server.Tests;

/// <summary>A server in the default mode (<c>--auth auto</c> on loopback = off) and one with <c>--auth none</c>.</summary>
public sealed class SignatureModeFixture : IAsyncLifetime
{
    public EddyServer Default { get; private set; } = null!;

    public EddyServer None { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Default = await EddyServer.StartAsync(new EddyServerOptions { InMemory = true, StateDelayMs = 0 });
        None = await EddyServer.StartAsync(new EddyServerOptions { InMemory = true, StateDelayMs = 0, ExtraArgs = ["--auth", "none"] });
    }

    public async Task DisposeAsync()
    {
        await Default.DisposeAsync();
        await None.DisposeAsync();
    }
}

/// <summary>
/// The default mode accepts any access key and secret, but, as AWS does before it looks at a key, only requests that
/// carry a well-formed SigV4 signature; <c>--auth none</c> serves unsigned requests too.
/// </summary>
public sealed class SignatureModeTests(SignatureModeFixture fixture) : IClassFixture<SignatureModeFixture>
{
    private static readonly HttpClient s_http = new(new SocketsHttpHandler { UseProxy = false });

    private Uri Endpoint => fixture.Default.Endpoint;

    [Fact]
    public void StartUpLinesNameTheMode()
    {
        Assert.Contains(
            "Eddy auth: off (auto: every listener is on the loopback address 127.0.0.1); any access key and secret, but requests must be SigV4-signed",
            StatusLine(fixture.Default), StringComparison.Ordinal);
        Assert.Contains("Eddy auth: none (--auth none); requests are not authenticated, signed or not", StatusLine(fixture.None), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyKeyAndSecretPassWhenSigned()
    {
        var key = new KinesisJsonOptions { AccessKeyId = "AKID" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant(), SecretAccessKey = Guid.NewGuid().ToString(), Region = "eu-west-3" };
        var listed = await KinesisJson.CallAsync(Endpoint, "ListStreams", new { }, key);
        Assert.True(listed.IsSuccess, listed.ToString());

        // The signature is not computed in this mode: one of the right form is enough.
        using var request = ListStreams();
        request.Headers.TryAddWithoutValidation("X-Amz-Date", DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential=x/{DateTime.UtcNow:yyyyMMdd}/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature={new string('0', 64)}");
        var (status, type, _) = await SendAsync(request);
        Assert.Equal((HttpStatusCode.OK, null), (status, type));

        using var presigned = RequestSigning.Presign(Endpoint, "ListStreams", "{}", new TestKey("someone", "something"));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(presigned)).Status);
    }

    [Fact]
    public async Task UnsignedIsMissingAuthenticationToken()
    {
        var response = await KinesisJson.CallAsync(Endpoint, "ListStreams", new { }, new KinesisJsonOptions { Sign = false });
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("MissingAuthenticationTokenException", response.ErrorType);
        Assert.Equal("Missing Authentication Token", response.ErrorMessage);

        // Also for the hot path, and nothing is written.
        var put = await KinesisJson.CallAsync(Endpoint, "PutRecords", new { StreamName = "nowhere", Records = new[] { new { Data = "AQID", PartitionKey = "k" } } }, new KinesisJsonOptions { Sign = false });
        Assert.Equal("MissingAuthenticationTokenException", put.ErrorType);
    }

    /// <summary>AWS parses the body before it checks the signature.</summary>
    [Theory]
    [InlineData("hello")]
    [InlineData("[]")]
    [InlineData("{\"StreamName\":")]
    [InlineData("{} {}")]
    public async Task UnsignedBodyThatIsNotAJsonObjectIsASerializationException(string body)
    {
        var response = await KinesisJson.CallAsync(Endpoint, "ListStreams", body, new KinesisJsonOptions { Sign = false });
        Assert.Equal((HttpStatusCode.BadRequest, "SerializationException"), (response.Status, response.ErrorType));
    }

    public static TheoryData<string, string?, string, string> Malformed => new()
    {
        {
            "X", null, "IncompleteSignatureException",
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
            "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
            "Authorization=X"
        },
        { "AWS4- Signature=b Credential=a", "a", "IncompleteSignatureException", "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4- Signature=b Credential=a" },
        { "AWS4- Signature=b, Credential=a", "a", "IncompleteSignatureException", "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4- Signature=b, Credential=a" },
        {
            "AWS4-HMAC-SHA256 Credential=a/b/c/d, SignedHeaders=host, Signature=s", "Mon, 01 Jan 2024 00:00:00 GMT", "InvalidSignatureException",
            "Signature expired: 20240101T000000Z is now earlier than "
        },
        {
            "AWS4-HMAC-SHA256 Credential=a/b/c/d, SignedHeaders=host, Signature=s", "now", "IncompleteSignatureException",
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c/d'"
        },
    };

    /// <param name="date">The Date header to send (the tests send no X-Amz-Date); "now" = the current time.</param>
    /// <param name="message">AWS's message, or its beginning when it names the server's clock.</param>
    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task MalformedSignaturesGetAwsAnswers(string authorization, string? date, string type, string message)
    {
        using var request = ListStreams();
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        if (date is not null) request.Headers.TryAddWithoutValidation("Date", date == "now" ? DateTime.UtcNow.ToString("r") : date);
        var (status, gotType, gotMessage) = await SendAsync(request);
        Assert.Equal((HttpStatusCode.BadRequest, type), (status, gotType));
        Assert.StartsWith(message, gotMessage, StringComparison.Ordinal);
        if (!message.EndsWith(' ')) Assert.Equal(message, gotMessage);
    }

    [Fact]
    public async Task HeaderAndQuerySignatureTogetherAreInvalid()
    {
        using var request = ListStreams("/?X-Amz-Algorithm");
        request.Headers.TryAddWithoutValidation("Authorization", "X");
        var (_, type, message) = await SendAsync(request);
        Assert.Equal("InvalidSignatureException", type);
        Assert.Equal("Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.", message);

        using var incomplete = ListStreams("/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-Date=d");
        (_, type, message) = await SendAsync(incomplete);
        Assert.Equal("IncompleteSignatureException", type);
        Assert.Equal("AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.", message);
    }

    [Fact]
    public async Task AuthNoneServesUnsignedRequests()
    {
        var created = await KinesisJson.CallAsync(fixture.None.Endpoint, "CreateStream", new { StreamName = "plain", ShardCount = 1 }, new KinesisJsonOptions { Sign = false });
        Assert.True(created.IsSuccess, created.ToString());
        using var request = ListStreams(endpoint: fixture.None.Endpoint);
        request.Headers.TryAddWithoutValidation("Authorization", "X"); // not even looked at
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(request)).Status);
    }

    private HttpRequestMessage ListStreams(string path = "/", Uri? endpoint = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint ?? Endpoint, path)) { Content = new ByteArrayContent("{}"u8.ToArray()) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "Kinesis_20131202.ListStreams");
        return request;
    }

    /// <summary>The start-up lines (the auth line among them): all printed by the time the server is started.</summary>
    private static string StatusLine(EddyServer server) => server.Output;

    private static async Task<(HttpStatusCode Status, string? Type, string? Message)> SendAsync(HttpRequestMessage request)
    {
        using var response = await s_http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.IsSuccessStatusCode) return (response.StatusCode, null, null);
        using var json = JsonDocument.Parse(body);
        return (response.StatusCode, json.RootElement.GetProperty("__type").GetString(), json.RootElement.TryGetProperty("message", out var m) ? m.GetString() : null);
    }
}
