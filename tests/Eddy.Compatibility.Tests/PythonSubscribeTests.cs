using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>boto3 <c>subscribe_to_shard</c> (HTTP/1.1 chunked event streams) against a real server.</summary>
public sealed class PythonSubscribeTests(EddyServerFixture fixture, ITestOutputHelper output) : IClassFixture<EddyServerFixture>
{
    [Fact]
    public Task Subscribers_read_every_record_in_order_across_a_split_while_a_writer_runs() =>
        ClientScripts.RunScenarioAsync("python3", Path.Combine("python", "subscribe.py"), fixture.Server, ClientScripts.Prefix("py", "subscribe"), output);
}
