using System.Text.RegularExpressions;
using Eddy.Testing;
using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>One real Eddy server with its TLS port on (<c>--tls-port 0</c>) per test class, and the PEM of its
/// self-signed certificate exported with <c>eddy cert export</c>, for clients to trust.</summary>
public sealed class TlsServerFixture : IAsyncLifetime
{
    private EddyServer? _server;

    public EddyServer Server => _server ?? throw new InvalidOperationException("The server fixture did not start.");

    /// <summary>The exported certificate (PEM), outside the data directory.</summary>
    public string PemPath { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _server = await EddyServer.StartAsync(new EddyServerOptions { Tls = true, StateDelayMs = 100 });
        PemPath = Path.Combine(Path.GetTempPath(), $"eddy-ca-{Guid.NewGuid():N}.pem");
        var export = await ToolRunner.RunAsync(
            EddyServer.DotnetHost(),
            [EddyServer.LocateEddyDll(), "cert", "export", "--data-dir", _server.DataDir, "--out", PemPath]);
        Assert.True(export.Succeeded && File.Exists(PemPath), "eddy cert export failed:\n" + export.Describe());
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        File.Delete(PemPath);
    }
}

/// <summary>Runs a client scenario script (clients/js, clients/python) against an explicit endpoint with extra
/// arguments and environment, and turns its "ok"/"FAIL" lines into one assertion.</summary>
internal static partial class TransportScripts
{
    public static async Task RunAsync(
        string tool,
        string script,
        Uri endpoint,
        string prefix,
        EddyServer server,
        ITestOutputHelper output,
        IReadOnlyList<string>? extraArgs = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var path = ClientScripts.Dir(script);
        Assert.True(File.Exists(path), $"missing client script {path}");
        Assert.True(ToolRunner.Which(tool) is not null, $"'{tool}' is not on PATH; run ./test.sh (it installs the client tools) or install it.");
        var result = await ToolRunner.RunAsync(
            tool,
            [path, endpoint.ToString().TrimEnd('/'), prefix, .. extraArgs ?? []],
            new ToolRunOptions
            {
                WorkingDirectory = Path.GetDirectoryName(path),
                Timeout = TimeSpan.FromMinutes(3),
                Environment = environment ?? new Dictionary<string, string?>(),
            });
        output.WriteLine(result.StdOut);
        var failures = result.StdOut.Split('\n').Where(l => l.StartsWith("FAIL ", StringComparison.Ordinal)).ToList();
        var summary = SummaryLine().Match(result.StdOut);
        Assert.True(
            result.Succeeded && failures.Count == 0 && summary.Success,
            $"{script} against {endpoint}: {(summary.Success ? $"{failures.Count} checks failed" : "the script did not finish")}\n"
            + string.Join('\n', failures) + "\n\n" + result.Describe(12_000)
            + "\n--- server output (tail) ---\n" + ClientScripts.Tail(server.Output, 4_000));
        output.WriteLine($"{script}: {summary.Groups["passed"].Value} checks passed in {result.Duration.TotalSeconds:0.0} s");
    }

    [GeneratedRegex(@"^# .*: (?<passed>\d+) checks passed, (?<failed>\d+) failed", RegexOptions.Multiline)]
    private static partial Regex SummaryLine();
}
