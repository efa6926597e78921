using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>boto3 (python3 from PATH) scenarios under clients/python, one process per scenario.</summary>
public sealed class PythonBoto3Tests(EddyServerFixture fixture, ITestOutputHelper output) : IClassFixture<EddyServerFixture>
{
    [Fact]
    public Task Streams_lifecycle_listing_retention_tags_and_errors() => Run("streams.py");

    [Fact]
    public Task Records_iterators_resharding_and_read_back_across_a_split() => Run("records.py");

    [Fact]
    public Task Consumers_encryption_monitoring_limits_settings_and_policies() => Run("admin.py");

    private Task Run(string script) =>
        ClientScripts.RunScenarioAsync("python3", Path.Combine("python", script), fixture.Server, ClientScripts.Prefix("py", Path.GetFileNameWithoutExtension(script)), output);
}
