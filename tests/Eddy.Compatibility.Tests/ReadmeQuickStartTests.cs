using Eddy.Testing;
using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>
/// The README's AWS CLI quick start, run as written (only the server line is replaced by a test server) with every
/// AWS CLI on the machine: the image's v1 on PATH and Debian's v2 in /usr/bin, which test.sh installs.
/// </summary>
public class ReadmeQuickStartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_quick_start_prints_the_record_with_every_installed_AWS_CLI()
    {
        var block = QuickStartBlock();
        var clis = await FindClisAsync();
        Assert.True(clis.Count > 0, "no AWS CLI found on PATH or in /usr/bin");
        await using var server = await EddyServer.StartAsync();
        var endpoint = server.Endpoint.GetLeftPart(UriPartial.Authority);
        foreach (var (path, version) in clis)
        {
            output.WriteLine($"{path}: {version}");
            var home = Directory.CreateTempSubdirectory("eddy-quickstart-");
            var bin = Directory.CreateDirectory(Path.Combine(home.FullName, "bin"));
            File.CreateSymbolicLink(Path.Combine(bin.FullName, "aws"), path);
            var stream = "clicks" + version[8]; // one stream per CLI major version: "aws-cli/1..." -> clicks1
            var script = block.Replace("http://127.0.0.1:4567", endpoint, StringComparison.Ordinal).Replace("clicks", stream, StringComparison.Ordinal);
            try
            {
                var result = await ToolRunner.RunAsync("bash", ["-e", "-o", "pipefail", "-c", script], new ToolRunOptions
                {
                    Environment = new Dictionary<string, string?>
                    {
                        ["HOME"] = home.FullName,
                        ["PATH"] = bin.FullName + ":" + Environment.GetEnvironmentVariable("PATH"),
                        ["AWS_CONFIG_FILE"] = null,
                        ["AWS_SHARED_CREDENTIALS_FILE"] = null,
                    },
                });
                Assert.True(result.Succeeded, result.Describe());
                Assert.Contains("\"Data\": \"aGVsbG8=\"", result.StdOut, StringComparison.Ordinal);
                Assert.EndsWith("hello", result.StdOut.TrimEnd(), StringComparison.Ordinal);
                Assert.Contains("\"PartitionKey\": \"user-1\"", result.StdOut, StringComparison.Ordinal);
            }
            finally
            {
                home.Delete(recursive: true);
            }
        }
    }

    /// <summary>The first <c>sh</c> block under "Quick start with the AWS CLI", without the line that starts the server.</summary>
    private static string QuickStartBlock()
    {
        var readme = File.ReadAllText(RepoLayout.Path("README.md"));
        var section = readme.IndexOf("## Quick start with the AWS CLI", StringComparison.Ordinal);
        Assert.True(section >= 0, "README.md has no AWS CLI quick start");
        var start = readme.IndexOf("```sh\n", section, StringComparison.Ordinal) + 6;
        var end = readme.IndexOf("```", start, StringComparison.Ordinal);
        var lines = readme[start..end].Split('\n').Where(l => !l.StartsWith("./eddy.sh serve", StringComparison.Ordinal));
        return string.Join('\n', lines);
    }

    /// <summary>Each distinct AWS CLI: the one on PATH and /usr/bin/aws (Debian's package), with its version line.</summary>
    private static async Task<List<(string Path, string Version)>> FindClisAsync()
    {
        var candidates = new List<string>();
        if (ToolRunner.Which("aws") is { } onPath) candidates.Add(onPath);
        if (File.Exists("/usr/bin/aws")) candidates.Add("/usr/bin/aws");
        var found = new List<(string, string)>();
        foreach (var path in candidates.Distinct())
        {
            var result = await ToolRunner.RunAsync(path, ["--version"]);
            var version = (result.StdOut + result.StdErr).Trim().Split(' ')[0];
            if (result.Succeeded && version.StartsWith("aws-cli/", StringComparison.Ordinal) && found.All(f => f.Item2[..9] != version[..9]))
                found.Add((path, version));
        }
        return found;
    }
}
