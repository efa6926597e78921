using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Eddy.Client;
using Eddy.Client.Auth;
using Eddy.Protocol.Auth;
using Eddy.Testing;
using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>An Eddy with <c>--auth on</c> (files under a data directory) and a credentials file: one key with
/// <c>s3:*</c>, one with <c>s3:GetObject</c> and <c>s3:ListBucket</c> only.</summary>
public sealed class S3AuthServerFixture : IAsyncLifetime
{
    public const string Key = "AKIDS3ADMIN";
    public const string Secret = "s3-admin-secret";
    public const string ReaderKey = "AKIDS3READER";
    public const string ReaderSecret = "s3-reader-secret";

    private string? _file;
    private EddyServer? _server;

    public EddyServer Server => _server ?? throw new InvalidOperationException("The server fixture did not start.");

    public async Task InitializeAsync()
    {
        _file = Path.Combine(Path.GetTempPath(), $"eddy-s3-credentials-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(_file, $$"""
            {"keys": [
              {"accessKeyId": "{{Key}}", "secretAccessKey": "{{Secret}}",
               "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}]},
              {"accessKeyId": "{{ReaderKey}}", "secretAccessKey": "{{ReaderSecret}}",
               "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "arn:aws:s3:::*"}]}]}
            ]}
            """);
        _server = await EddyServer.StartAsync(new EddyServerOptions { ExtraArgs = ["--auth", "on", "--credentials", _file] });
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_file is not null)
        {
            File.Delete(_file);
        }
    }
}

/// <summary>
/// S3 under <c>--auth on</c>: the AWS CLI (v1 and v2) and boto3 with real keys, presigned GETs, S3's codes for a wrong
/// secret, an unknown key and a denied action; a body that does not hash to its signed <c>x-amz-content-sha256</c>, and a
/// <c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD</c> body with a tampered chunk, are refused and leave the key as it was.
/// </summary>
public sealed partial class S3AuthTests(S3AuthServerFixture fixture, ITestOutputHelper output) : IClassFixture<S3AuthServerFixture>
{
    private static readonly AwsCredentials s_admin = new(S3AuthServerFixture.Key, S3AuthServerFixture.Secret);

    public static TheoryData<string> Clis() => ["aws", "/usr/bin/aws"];

    [GeneratedRegex(@"An error occurred \((?<code>[^)]+)\)")]
    private static partial Regex ErrorCode();

    private Uri Endpoint => fixture.Server.Endpoint;

    [Theory]
    [MemberData(nameof(Clis))]
    public async Task Aws_cli_round_trip_presign_and_refusals(string cli)
    {
        if (ToolRunner.Which(cli) is null && !File.Exists(cli))
        {
            output.WriteLine($"SKIPPED ({cli} not found)");
            return;
        }

        var bucket = $"auth-{(cli.Contains('/') ? "v2" : "v1")}-{Guid.NewGuid():N}"[..30];
        var dir = Directory.CreateTempSubdirectory("eddy-s3-auth-").FullName;
        try
        {
            var file = Path.Combine(dir, "up.bin");
            var bytes = new byte[300_000];
            new Random(11).NextBytes(bytes);
            await File.WriteAllBytesAsync(file, bytes);
            await OkAsync(cli, s_admin, "s3", "mb", "s3://" + bucket);
            await OkAsync(cli, s_admin, "s3", "cp", file, $"s3://{bucket}/dir/up.bin");
            Assert.Contains("300000 dir/up.bin", await OkAsync(cli, s_admin, "s3", "ls", $"s3://{bucket}/", "--recursive"));
            var down = Path.Combine(dir, "down.bin");
            await OkAsync(cli, s_admin, "s3", "cp", $"s3://{bucket}/dir/up.bin", down);
            Assert.Equal(bytes, await File.ReadAllBytesAsync(down));

            var url = (await OkAsync(cli, s_admin, "s3", "presign", $"s3://{bucket}/dir/up.bin", "--expires-in", "300")).Trim();
            using var http = new HttpClient();
            if (url.Contains("X-Amz-Credential=", StringComparison.Ordinal))
            {
                Assert.Equal(bytes, await http.GetByteArrayAsync(new Uri(url)));
                using var tampered = await http.GetAsync(new Uri(url.Replace("dir/up.bin", "dir/other.bin", StringComparison.Ordinal)));
                Assert.Equal(HttpStatusCode.Forbidden, tampered.StatusCode);
                Assert.Contains("<Code>SignatureDoesNotMatch</Code>", await tampered.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            else
            {
                output.WriteLine("presign: SigV2 URL (AWS CLI v1), not fetched: " + url);
            }

            Assert.Equal("SignatureDoesNotMatch", await FailsAsync(cli, s_admin with { SecretAccessKey = "not-the-secret" }, "s3", "cp", file, $"s3://{bucket}/x.bin"));
            Assert.Equal("InvalidAccessKeyId", await FailsAsync(cli, new AwsCredentials("AKIDNOBODY", "x"), "s3api", "list-objects-v2", "--bucket", bucket));
            var reader = new AwsCredentials(S3AuthServerFixture.ReaderKey, S3AuthServerFixture.ReaderSecret);
            await OkAsync(cli, reader, "s3api", "head-object", "--bucket", bucket, "--key", "dir/up.bin");
            Assert.Equal("AccessDenied", await FailsAsync(cli, reader, "s3api", "delete-object", "--bucket", bucket, "--key", "dir/up.bin"));

            await OkAsync(cli, s_admin, "s3", "rm", $"s3://{bucket}/", "--recursive");
            await OkAsync(cli, s_admin, "s3", "rb", "s3://" + bucket);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Boto3_signed_presigned_and_refused()
    {
        var script = ClientScripts.Dir("python", "s3_auth.py");
        var result = await ToolRunner.RunAsync("python3", [script, Endpoint.ToString().TrimEnd('/'), "py-auth-" + Guid.NewGuid().ToString("N")[..8],
            S3AuthServerFixture.Key, S3AuthServerFixture.Secret, S3AuthServerFixture.ReaderKey, S3AuthServerFixture.ReaderSecret]);
        output.WriteLine(result.Describe());
        Assert.True(result.Succeeded, result.Describe());
        Assert.Contains("# s3_auth.py: 4 checks passed, 0 failed", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_does_not_hash_to_its_signed_sha256_is_refused_and_not_stored()
    {
        using var http = new HttpClient();
        var bucket = "tamper-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Put, "/" + bucket, [], [])).StatusCode);
        var original = Encoding.UTF8.GetBytes("the original object");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Put, $"/{bucket}/k", original, original)).StatusCode);

        // Signed for one body, sent with another of the same length: the signature holds (it covers the declared hash),
        // the body does not.
        var tampered = Encoding.UTF8.GetBytes("THE original object");
        using var refused = await SendAsync(http, HttpMethod.Put, $"/{bucket}/k", original, tampered);
        var text = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("<Code>XAmzContentSHA256Mismatch</Code>", text, StringComparison.Ordinal);
        Assert.Contains($"<ClientComputedContentSHA256>{SigV4.PayloadHash(original)}</ClientComputedContentSHA256>", text, StringComparison.Ordinal);
        Assert.Contains($"<S3ComputedContentSHA256>{SigV4.PayloadHash(tampered)}</S3ComputedContentSHA256>", text, StringComparison.Ordinal);
        using var refusedNew = await SendAsync(http, HttpMethod.Put, $"/{bucket}/new", original, tampered);
        Assert.Equal(HttpStatusCode.BadRequest, refusedNew.StatusCode);

        Assert.Equal(original, await (await SendAsync(http, HttpMethod.Get, $"/{bucket}/k", [], [])).Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(http, HttpMethod.Head, $"/{bucket}/new", [], [])).StatusCode);
        Assert.Empty(Directory.GetFiles(Path.Combine(fixture.Server.DataDir, "s3", bucket), ".put-*"));

        // A wrong secret is refused before any of the body is taken.
        using var wrong = await SendAsync(http, HttpMethod.Put, $"/{bucket}/k", tampered, tampered, s_admin with { SecretAccessKey = "wrong" });
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Contains("<Code>SignatureDoesNotMatch</Code>", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chunk_signed_streaming_upload_is_verified_chunk_by_chunk()
    {
        using var http = new HttpClient();
        var bucket = "chunks-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Put, "/" + bucket, [], [])).StatusCode);
        var data = new byte[200_000];
        new Random(5).NextBytes(data);

        using (var ok = await SendChunkedAsync(http, $"/{bucket}/streamed", data, tamperAt: null))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        Assert.Equal(data, await (await SendAsync(http, HttpMethod.Get, $"/{bucket}/streamed", [], [])).Content.ReadAsByteArrayAsync());

        var other = (byte[])data.Clone();
        other[0] ^= 1;
        using var refused = await SendChunkedAsync(http, $"/{bucket}/streamed", other, tamperAt: 150_000);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("<Code>SignatureDoesNotMatch</Code>", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(data, await (await SendAsync(http, HttpMethod.Get, $"/{bucket}/streamed", [], [])).Content.ReadAsByteArrayAsync());
    }

    /// <summary>A request signed (header SigV4, service s3) with <c>x-amz-content-sha256</c> of <paramref name="signedBody"/>,
    /// sending <paramref name="body"/>.</summary>
    private Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, byte[] signedBody, byte[] body, AwsCredentials? key = null)
    {
        var request = new HttpRequestMessage(method, new Uri(Endpoint, path));
        if (method == HttpMethod.Put)
        {
            request.Content = new ByteArrayContent(body);
        }

        var hash = SigV4.PayloadHash(signedBody);
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", hash);
        Sign(request, [("x-amz-content-sha256", hash)], hash, key ?? s_admin);
        return http.SendAsync(request);
    }

    /// <summary>A PUT with a <c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD</c> body of 64 KiB chunks, each chunk signed as the
    /// S3 documentation describes (chained from the request's signature). With <paramref name="tamperAt"/> the data
    /// is signed as <paramref name="data"/> but sent with the byte at that offset changed.</summary>
    private Task<HttpResponseMessage> SendChunkedAsync(HttpClient http, string path, byte[] data, int? tamperAt)
    {
        const string Streaming = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
        const int ChunkSize = 64 * 1024;
        var at = DateTimeOffset.UtcNow;
        var request = new HttpRequestMessage(HttpMethod.Put, new Uri(Endpoint, path));
        (string, string)[] headers = [("content-encoding", "aws-chunked"), ("x-amz-content-sha256", Streaming), ("x-amz-decoded-content-length", data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        var signature = Sign(request, headers, Streaming, s_admin, at);
        var signingKey = SigV4.SigningKey(s_admin.SecretAccessKey, at.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture), "us-east-1", "s3");
        var scope = $"{at:yyyyMMdd}/us-east-1/s3/aws4_request";
        var amzDate = SigV4.FormatAmzDate(at);
        using var body = new MemoryStream();
        for (var offset = 0; ; offset += ChunkSize)
        {
            var chunk = data.AsSpan(Math.Min(offset, data.Length), Math.Clamp(data.Length - offset, 0, ChunkSize)).ToArray();
            signature = SigV4.Signature(signingKey, $"AWS4-HMAC-SHA256-PAYLOAD\n{amzDate}\n{scope}\n{signature}\n{SigV4.EmptyPayloadHash}\n{SigV4.PayloadHash(chunk)}");
            if (tamperAt is { } t && t >= offset && t < offset + chunk.Length)
            {
                chunk[t - offset] ^= 0xFF;
            }

            body.Write(Encoding.ASCII.GetBytes($"{chunk.Length:x};chunk-signature={signature}\r\n"));
            body.Write(chunk);
            body.Write("\r\n"u8);
            if (chunk.Length == 0)
            {
                break;
            }
        }

        request.Content = new ByteArrayContent(body.ToArray());
        request.Content.Headers.TryAddWithoutValidation("Content-Encoding", "aws-chunked");
        foreach (var (name, value) in headers.Skip(1))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return http.SendAsync(request);
    }

    /// <summary>Adds X-Amz-Date and Authorization; returns the signature.</summary>
    private string Sign(HttpRequestMessage request, IEnumerable<(string, string)> headers, string payloadHash, AwsCredentials key, DateTimeOffset? at = null)
    {
        var uri = request.RequestUri!;
        var signature = "";
        foreach (var (name, value) in new SigV4Signer("s3").SignHeaders(key, "us-east-1", request.Method.Method, SigV4Signer.HostOf(uri), uri.PathAndQuery, headers, payloadHash, at ?? DateTimeOffset.UtcNow))
        {
            request.Headers.TryAddWithoutValidation(name, value);
            if (name == "Authorization")
            {
                signature = value[(value.LastIndexOf('=') + 1)..];
            }
        }

        return signature;
    }

    private async Task<ToolResult> AwsAsync(string cli, AwsCredentials key, string[] args)
    {
        var result = await ToolRunner.RunAsync(cli, [.. args, "--endpoint-url", Endpoint.ToString().TrimEnd('/')], new ToolRunOptions
        {
            Environment = new Dictionary<string, string?>
            {
                ["AWS_ACCESS_KEY_ID"] = key.AccessKeyId, ["AWS_SECRET_ACCESS_KEY"] = key.SecretAccessKey, ["AWS_DEFAULT_REGION"] = "us-east-1",
                ["AWS_MAX_ATTEMPTS"] = "1", ["AWS_PAGER"] = "",
            },
        });
        output.WriteLine(result.Describe(2000));
        return result;
    }

    private async Task<string> OkAsync(string cli, AwsCredentials key, params string[] args)
    {
        var result = await AwsAsync(cli, key, args);
        Assert.True(result.Succeeded, result.Describe());
        return result.StdOut;
    }

    private async Task<string> FailsAsync(string cli, AwsCredentials key, params string[] args)
    {
        var result = await AwsAsync(cli, key, args);
        Assert.False(result.Succeeded, result.Describe());
        var match = ErrorCode().Match(result.StdErr);
        Assert.True(match.Success, result.Describe());
        return match.Groups["code"].Value;
    }
}
