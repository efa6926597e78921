using System.Text;
using System.Text.RegularExpressions;
using Eddy.Testing;
using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>Runs the scenario scripts under clients/ (boto3, JS SDK) and turns their per-check lines into one assertion.</summary>
internal static partial class ClientScripts
{
    private static readonly SemaphoreSlim s_npmGate = new(1, 1);
    private static bool s_npmReady;

    /// <summary>tests/Eddy.Compatibility.Tests/clients/&lt;parts&gt; in the source tree.</summary>
    public static string Dir(params string[] parts) => RepoLayout.Path(["tests", "Eddy.Compatibility.Tests", "clients", .. parts]);

    /// <summary>A stream-name prefix unique to this run and scenario (stream names allow [a-zA-Z0-9_.-]).</summary>
    public static string Prefix(string client, string scenario) => $"{client}-{scenario}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Installs clients/js/node_modules with npm ci (npm install without a lock file) unless the SDK is already there.</summary>
    public static async Task EnsureNodeModulesAsync()
    {
        await s_npmGate.WaitAsync();
        try
        {
            if (s_npmReady)
            {
                return;
            }

            var js = Dir("js");
            if (!File.Exists(Path.Combine(js, "node_modules", "@aws-sdk", "client-kinesis", "package.json"))
                || !File.Exists(Path.Combine(js, "node_modules", "@aws-sdk", "client-firehose", "package.json"))
                || !File.Exists(Path.Combine(js, "node_modules", "@smithy", "node-http-handler", "package.json"))
                || !File.Exists(Path.Combine(js, "node_modules", "aws-kinesis-agg", "package.json")))
            {
                var verb = File.Exists(Path.Combine(js, "package-lock.json")) ? "ci" : "install";
                var result = await ToolRunner.RunAsync(
                    "npm",
                    [verb, "--no-audit", "--no-fund", "--loglevel=error"],
                    new ToolRunOptions { WorkingDirectory = js, Timeout = TimeSpan.FromMinutes(5) });
                Assert.True(result.Succeeded, "npm " + verb + " in clients/js failed:\n" + result.Describe());
            }

            s_npmReady = true;
        }
        finally
        {
            s_npmGate.Release();
        }
    }

    /// <summary>Runs <paramref name="tool"/> <paramref name="script"/> ENDPOINT PREFIX and fails the test, listing every
    /// failed check, unless the script exits 0 after printing its summary line.</summary>
    public static async Task RunScenarioAsync(string tool, string script, EddyServer server, string prefix, ITestOutputHelper output, TimeSpan? timeout = null)
    {
        var path = Dir(script);
        Assert.True(File.Exists(path), $"missing client script {path}");
        Assert.True(ToolRunner.Which(tool) is not null, $"'{tool}' is not on PATH; run ./test.sh (it installs the client tools) or install it.");
        var result = await ToolRunner.RunAsync(
            tool,
            [path, server.Endpoint.ToString().TrimEnd('/'), prefix],
            new ToolRunOptions { WorkingDirectory = Path.GetDirectoryName(path), Timeout = timeout ?? TimeSpan.FromMinutes(3) });

        output.WriteLine(result.StdOut);
        if (result.StdErr.Length > 0)
        {
            output.WriteLine("--- stderr ---");
            output.WriteLine(result.StdErr);
        }

        var failures = result.StdOut.Split('\n').Where(l => l.StartsWith("FAIL ", StringComparison.Ordinal)).ToList();
        var summary = SummaryLine().Match(result.StdOut);
        if (result.Succeeded && failures.Count == 0 && summary.Success)
        {
            var skipped = result.StdOut.Split('\n').Count(l => l.StartsWith("skip ", StringComparison.Ordinal));
            output.WriteLine($"{script}: {summary.Groups["passed"].Value} checks passed{(skipped > 0 ? $", {skipped} skipped (the installed client predates those operations)" : "")} in {result.Duration.TotalSeconds:0.0} s");
            return;
        }

        var message = new StringBuilder()
            .Append(script).Append(": ")
            .Append(summary.Success ? $"{summary.Groups["failed"].Value} of {int.Parse(summary.Groups["passed"].Value, System.Globalization.CultureInfo.InvariantCulture) + int.Parse(summary.Groups["failed"].Value, System.Globalization.CultureInfo.InvariantCulture)} checks failed" : "the script did not finish")
            .AppendLine();
        foreach (var failure in failures)
        {
            message.AppendLine(failure);
        }

        message.AppendLine().AppendLine(result.Describe(12_000))
            .AppendLine("--- server output (tail) ---")
            .AppendLine(Tail(server.Output, 4_000));
        Assert.Fail(message.ToString());
    }

    public static string Tail(string text, int max) => text.Length <= max ? text : "..." + text[^max..];

    [GeneratedRegex(@"^# .*: (?<passed>\d+) checks passed, (?<failed>\d+) failed", RegexOptions.Multiline)]
    private static partial Regex SummaryLine();
}
