using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace Eddy.Testing;

/// <summary>
/// A real <c>s3rver</c> (npm, installed in tests/Eddy.Objects.Tests/s3rver by test.sh with <c>npm ci</c>) on a free
/// loopback port, with its data in a temp directory of its own; stopped (by its process id) and removed on dispose.
/// Credentials: <see cref="AccessKey"/> as both key id and secret; path-style addressing.
/// </summary>
public sealed partial class S3rver : IAsyncLifetime
{
    private Process? _process;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "eddy-s3rver", Guid.NewGuid().ToString("N"));

    /// <summary>s3rver's fixed credentials.</summary>
    public const string AccessKey = "S3RVER";

    public string Url { get; private set; } = "";

    [GeneratedRegex(@"S3rver listening on ([\d.]+):(\d+)")]
    private static partial Regex Listening();

    public async Task InitializeAsync()
    {
        var script = RepoLayout.Path("tests", "Eddy.Objects.Tests", "s3rver", "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"s3rver is not installed: run `npm ci` in {Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(script))))} (test.sh does)");
        }

        Directory.CreateDirectory(_directory);
        var start = new ProcessStartInfo("node", [script, "-d", _directory, "-a", "127.0.0.1", "-p", "0", "--silent"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await _process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (Listening().Match(line) is { Success: true } m)
            {
                Url = $"http://{m.Groups[1].Value}:{m.Groups[2].Value}";
                return;
            }
        }

        throw new InvalidOperationException("s3rver exited before it listened");
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }

        return Task.CompletedTask;
    }
}
