using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>AWS SDK for JavaScript v3 (@aws-sdk/client-kinesis, HTTP/1.1 NodeHttpHandler) scenarios under clients/js.</summary>
public sealed class JsSdkTests(EddyServerFixture fixture, ITestOutputHelper output) : IClassFixture<EddyServerFixture>
{
    [Fact]
    public Task Streams_lifecycle_listing_retention_tags_and_errors() => Run("streams.mjs");

    [Fact]
    public Task Records_iterators_resharding_and_read_back_across_a_split() => Run("records.mjs");

    [Fact]
    public Task Consumers_encryption_monitoring_limits_settings_and_policies() => Run("admin.mjs");

    private async Task Run(string script)
    {
        await ClientScripts.EnsureNodeModulesAsync();
        await ClientScripts.RunScenarioAsync("node", Path.Combine("js", script), fixture.Server, ClientScripts.Prefix("js", Path.GetFileNameWithoutExtension(script)), output);
    }
}
