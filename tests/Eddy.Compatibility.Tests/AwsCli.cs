using System.Text.Json;
using System.Text.RegularExpressions;
using Eddy.Testing;
using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>An error the AWS CLI printed: "An error occurred (Code) when calling the Op operation: message".</summary>
public sealed record CliError(int ExitCode, string Code, string Operation, string Message);

/// <summary>Runs <c>aws kinesis ... --endpoint-url</c> (or another service's commands: <paramref name="service"/>) against
/// one server (AWS CLI v1, botocore).</summary>
internal sealed partial class AwsCli(Uri endpoint, ITestOutputHelper output, string service = "kinesis")
{
    public const string Account = "000000000000";
    public const string Region = "us-east-1";

    /// <summary>The ten operations the current Kinesis model added after Debian 12's AWS CLI (2.9) / botocore (1.29).</summary>
    public static readonly string[] NewerCommands =
    [
        "tag-resource", "untag-resource", "list-tags-for-resource", "describe-account-settings", "update-account-settings",
        "update-max-record-size", "update-stream-warm-throughput", "put-resource-policy", "get-resource-policy", "delete-resource-policy",
    ];

    private static readonly Lazy<Task<CliInfo>> s_info = new(DetectAsync);

    private sealed record CliInfo(string Version, bool IsV2, HashSet<string> Commands);

    /// <summary>True if the installed CLI knows every one of <paramref name="commands"/>; otherwise writes why the
    /// caller skips them (an old CLI, e.g. Debian 12's 2.9, predates ten Kinesis operations and several members).</summary>
    public async Task<bool> SupportsAsync(params string[] commands)
    {
        var info = await s_info.Value;
        var missing = commands.Where(c => !info.Commands.Contains(c)).ToList();
        if (missing.Count == 0 || info.Commands.Count < 20) // could not read the command list: let the calls speak
        {
            return true;
        }

        output.WriteLine($"SKIPPED (AWS CLI {info.Version} does not know: {string.Join(", ", missing)})");
        return false;
    }

    /// <summary>True if the CLI's Kinesis model is current (it knows the newest operations, hence the newer members too).</summary>
    public Task<bool> HasCurrentModelAsync() => SupportsAsync(NewerCommands);

    private static async Task<CliInfo> DetectAsync()
    {
        var version = await ToolRunner.RunAsync("aws", ["--version"]);
        var text = (version.StdOut + version.StdErr).Trim();
        var help = await ToolRunner.RunAsync("aws", ["kinesis", "help"], new ToolRunOptions
        {
            Environment = new Dictionary<string, string?> { ["PAGER"] = "cat", ["MANPAGER"] = "cat" },
        });
        var plain = Overstrike().Replace(help.StdOut, ""); // groff's bold/bullet overstrikes: "+\bo" -> "o"
        var commands = CommandLine().Matches(plain).Select(m => m.Groups["cmd"].Value).ToHashSet(StringComparer.Ordinal);
        return new CliInfo(text.Split(' ')[0], text.StartsWith("aws-cli/2.", StringComparison.Ordinal), commands);
    }

    /// <summary>Runs a command that must succeed and returns its JSON output ({} when it printed nothing).</summary>
    public async Task<JsonElement> RunAsync(params string[] args)
    {
        var result = await ExecAsync(args, retries: true);
        Assert.True(result.Succeeded, "aws command failed:\n" + result.Describe());
        var text = result.StdOut.Trim();
        return text.Length == 0 ? JsonDocument.Parse("{}").RootElement : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Runs a command (without retries) that must fail with a service error (exit 254/255) and returns it.</summary>
    public async Task<CliError> FailAsync(params string[] args)
    {
        var result = await ExecAsync(args, retries: false);
        Assert.True(result.ExitCode is 254 or 255, $"expected the aws command to fail with a service error (exit 254/255):\n{result.Describe()}");
        var match = ErrorLine().Match(result.StdErr);
        Assert.True(match.Success, "no 'An error occurred (...)' line on stderr:\n" + result.Describe());
        return new CliError(result.ExitCode, match.Groups["code"].Value, match.Groups["op"].Value, match.Groups["msg"].Value.Trim());
    }

    /// <summary>Asserts a failure with <paramref name="code"/> and, if given, exactly <paramref name="message"/>.</summary>
    public async Task<CliError> FailsWithAsync(string code, string? message, params string[] args)
    {
        var error = await FailAsync(args);
        Assert.True(error.Code == code, $"aws {string.Join(' ', args)}: expected {code}, got {error.Code}: {error.Message}");
        if (message is not null)
        {
            Assert.Equal(message, error.Message);
        }

        return error;
    }

    private async Task<ToolResult> ExecAsync(string[] args, bool retries)
    {
        // CLI v2 reads blob arguments as base64 by default; v1 (and v2 with this flag) take them as raw text.
        string[] binary = (await s_info.Value).IsV2 ? ["--cli-binary-format", "raw-in-base64-out"] : [];
        var env = new Dictionary<string, string?>
        {
            ["AWS_RETRY_MODE"] = "standard",
            ["AWS_MAX_ATTEMPTS"] = retries ? "6" : "1",
        };
        var result = await ToolRunner.RunAsync(
            "aws",
            [service, .. args, "--endpoint-url", endpoint.ToString().TrimEnd('/'), "--output", "json", .. binary],
            new ToolRunOptions { Environment = env, Timeout = TimeSpan.FromSeconds(90) });
        output.WriteLine($"{result.Command}  -> exit {result.ExitCode} in {result.Duration.TotalSeconds:0.00} s");
        if (!result.Succeeded)
        {
            output.WriteLine(result.StdErr.Trim());
        }

        return result;
    }

    [GeneratedRegex(".\b")]
    private static partial Regex Overstrike();

    [GeneratedRegex(@"^\s*o (?<cmd>[a-z0-9-]+)\s*$", RegexOptions.Multiline)]
    private static partial Regex CommandLine();

    [GeneratedRegex(@"An error occurred \((?<code>[^)]+)\) when calling the (?<op>\w+) operation(?: \(reached max retries: \d+\))?: (?<msg>.*)")]
    private static partial Regex ErrorLine();
}

/// <summary>Small JSON helpers for CLI output.</summary>
internal static class Json
{
    public static string Str(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new Xunit.Sdk.XunitException($"no string '{name}' in {e}");

    public static string? StrOrNull(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static int Int(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : throw new Xunit.Sdk.XunitException($"no number '{name}' in {e}");

    public static long Long(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : throw new Xunit.Sdk.XunitException($"no number '{name}' in {e}");

    public static bool Bool(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw new Xunit.Sdk.XunitException($"no boolean '{name}' in {e}");

    public static JsonElement Obj(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : throw new Xunit.Sdk.XunitException($"no object '{name}' in {e}");

    public static JsonElement[] Arr(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray()] : throw new Xunit.Sdk.XunitException($"no array '{name}' in {e}");

    public static JsonElement[] ArrOrEmpty(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray()] : [];

    public static bool Has(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

    public static string[] ShardIds(this JsonElement[] shards) => [.. shards.Select(s => s.Str("ShardId"))];

    public static string ShardId(int index) => $"shardId-{index:D12}";

    public static string StreamArn(string stream) => $"arn:aws:kinesis:{AwsCli.Region}:{AwsCli.Account}:stream/{stream}";

    public static string NotFound(string stream) => $"Stream {stream} under account {AwsCli.Account} not found.";

    public static string DecodeData(this JsonElement record) => System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(record.Str("Data")));
}
