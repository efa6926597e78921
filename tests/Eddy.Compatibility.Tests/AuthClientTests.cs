using Eddy.Testing;
using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>An Eddy with <c>--auth on</c> and a credentials file: one admin key (everything) and one reader key
/// (GetShardIterator and GetRecords on streams named auth-*).</summary>
public sealed class AuthServerFixture : IAsyncLifetime
{
    public const string AdminKey = "AKIDCOMPATADMIN";
    public const string AdminSecret = "compat-admin-secret";
    public const string ReaderKey = "AKIDCOMPATREADER";
    public const string ReaderSecret = "compat-reader-secret";

    private string? _file;
    private EddyServer? _server;

    public EddyServer Server => _server ?? throw new InvalidOperationException("The server fixture did not start.");

    public async Task InitializeAsync()
    {
        _file = Path.Combine(Path.GetTempPath(), $"eddy-compat-credentials-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(_file, $$"""
            {"keys": [
              {"accessKeyId": "{{AdminKey}}", "secretAccessKey": "{{AdminSecret}}",
               "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kinesis:*", "Resource": "*"}]}]},
              {"accessKeyId": "{{ReaderKey}}", "secretAccessKey": "{{ReaderSecret}}",
               "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["kinesis:GetShardIterator", "kinesis:GetRecords"], "Resource": "arn:aws:kinesis:*:*:stream/auth-*"}]}]}
            ]}
            """);
        _server = await EddyServer.StartAsync(new EddyServerOptions { InMemory = true, StateDelayMs = 0, ExtraArgs = ["--auth", "on", "--credentials", _file] });
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        if (_file is not null) File.Delete(_file);
    }
}

/// <summary>boto3, the JS SDK v3 and the AWS CLI against <c>--auth on</c>: real keys pass, a wrong secret is refused.</summary>
public sealed class AuthClientTests(AuthServerFixture fixture, ITestOutputHelper output) : IClassFixture<AuthServerFixture>
{
    private string Endpoint => fixture.Server.Endpoint.ToString().TrimEnd('/');

    [Fact]
    public async Task Boto3_signs_with_real_keys_and_is_refused_with_a_wrong_secret()
    {
        var script = ClientScripts.Dir("python", "auth.py");
        Assert.True(ToolRunner.Which("python3") is not null, "python3 is not on PATH; run ./test.sh");
        var stream = "auth-" + Guid.NewGuid().ToString("N")[..8];
        var result = await ToolRunner.RunAsync("python3", [script, Endpoint, stream, AuthServerFixture.AdminKey, AuthServerFixture.AdminSecret, AuthServerFixture.ReaderKey, AuthServerFixture.ReaderSecret]);
        output.WriteLine(result.Describe());
        Assert.True(result.Succeeded, result.Describe() + "\n--- server ---\n" + ClientScripts.Tail(fixture.Server.Output, 4000));
        Assert.Contains("# auth: 7 checks passed, 0 failed", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Js_sdk_signs_with_real_keys_over_http2_and_http1()
    {
        await ClientScripts.EnsureNodeModulesAsync();
        var script = ClientScripts.Dir("js", "auth.mjs");
        Assert.True(ToolRunner.Which("node") is not null, "node is not on PATH; run ./test.sh");
        var stream = "auth-js-" + Guid.NewGuid().ToString("N")[..8];
        var result = await ToolRunner.RunAsync(
            "node",
            [script, Endpoint, stream, AuthServerFixture.AdminKey, AuthServerFixture.AdminSecret],
            new ToolRunOptions { WorkingDirectory = Path.GetDirectoryName(script) });
        output.WriteLine(result.Describe());
        Assert.True(result.Succeeded, result.Describe() + "\n--- server ---\n" + ClientScripts.Tail(fixture.Server.Output, 4000));
        Assert.Contains("# auth: 6 checks passed, 0 failed", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Aws_cli_with_right_keys_lists_streams()
    {
        var result = await Cli(AuthServerFixture.AdminKey, AuthServerFixture.AdminSecret);
        Assert.True(result.Succeeded, result.Describe());
        Assert.Contains("StreamNames", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Aws_cli_with_a_wrong_secret_is_refused()
    {
        var result = await Cli(AuthServerFixture.AdminKey, "not-the-secret");
        Assert.False(result.Succeeded, result.Describe());
        Assert.Contains("InvalidSignatureException", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Aws_cli_with_an_unknown_key_is_refused()
    {
        var result = await Cli("AKIDNOBODY", "x");
        Assert.False(result.Succeeded, result.Describe());
        Assert.Contains("UnrecognizedClientException", result.StdErr, StringComparison.Ordinal);
    }

    private async Task<ToolResult> Cli(string key, string secret)
    {
        Assert.True(ToolRunner.Which("aws") is not null, "aws is not on PATH; run ./test.sh");
        var result = await ToolRunner.RunAsync(
            "aws",
            ["kinesis", "list-streams", "--endpoint-url", Endpoint, "--cli-read-timeout", "20"],
            new ToolRunOptions
            {
                Environment = new Dictionary<string, string?>
                {
                    ["AWS_ACCESS_KEY_ID"] = key,
                    ["AWS_SECRET_ACCESS_KEY"] = secret,
                    ["AWS_MAX_ATTEMPTS"] = "1",
                    ["AWS_RETRY_MODE"] = "standard",
                },
            });
        output.WriteLine(result.Describe());
        return result;
    }
}
