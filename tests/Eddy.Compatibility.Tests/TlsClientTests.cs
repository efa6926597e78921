using System.Text.Json;
using Eddy.Testing;
using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>The AWS CLI and boto3 against Eddy's TLS port, trusting the certificate exported with <c>eddy cert export</c>.</summary>
public sealed class TlsClientTests(TlsServerFixture fixture, ITestOutputHelper output) : IClassFixture<TlsServerFixture>
{
    private Task<ToolResult> AwsAsync(params string[] args) =>
        ToolRunner.RunAsync("aws", ["kinesis", .. args, "--endpoint-url", fixture.Server.TlsEndpoint.ToString().TrimEnd('/')]);

    [Fact]
    public async Task Aws_cli_over_https_with_the_exported_ca_bundle()
    {
        var stream = ClientScripts.Prefix("cli", "tls");
        var bundle = new[] { "--ca-bundle", fixture.PemPath };
        var list = await AwsAsync(["list-streams", .. bundle]);
        Assert.True(list.Succeeded, list.Describe());
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(list.StdOut).RootElement.GetProperty("StreamNames").ValueKind);

        Assert.True((await AwsAsync(["create-stream", "--stream-name", stream, "--shard-count", "1", .. bundle])).Succeeded);
        var waited = await AwsAsync(["wait", "stream-exists", "--stream-name", stream, .. bundle]);
        Assert.True(waited.Succeeded, waited.Describe());
        var put = await AwsAsync(["put-record", "--stream-name", stream, "--partition-key", "k", "--data", "aGVsbG8=", .. bundle]);
        Assert.True(put.Succeeded, put.Describe());
        Assert.Equal("shardId-000000000000", JsonDocument.Parse(put.StdOut).RootElement.GetProperty("ShardId").GetString());
        var deleted = await AwsAsync(["delete-stream", "--stream-name", stream, .. bundle]);
        Assert.True(deleted.Succeeded, deleted.Describe());
        output.WriteLine($"aws kinesis over {fixture.Server.TlsEndpoint} with --ca-bundle {fixture.PemPath}: ok");
    }

    [Fact]
    public async Task Aws_cli_over_https_with_no_verify_ssl()
    {
        var list = await AwsAsync("list-streams", "--no-verify-ssl");
        Assert.True(list.Succeeded, list.Describe());
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(list.StdOut).RootElement.GetProperty("StreamNames").ValueKind);
    }

    [Fact]
    public async Task Aws_cli_refuses_the_self_signed_certificate_without_the_bundle()
    {
        var list = await AwsAsync("list-streams", "--cli-read-timeout", "10", "--cli-connect-timeout", "5");
        Assert.False(list.Succeeded, list.Describe());
        Assert.Contains("SSL validation failed", list.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public Task Boto3_over_https_with_verify_set_to_the_exported_pem() =>
        TransportScripts.RunAsync(
            "python3",
            Path.Combine("python", "tls.py"),
            fixture.Server.TlsEndpoint,
            ClientScripts.Prefix("py", "tls"),
            fixture.Server,
            output,
            extraArgs: [fixture.PemPath]);
}
