using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>AWS SDK for JavaScript v3 <c>SubscribeToShardCommand</c> with the client's default handler (HTTP/2),
/// cleartext (h2c) and over TLS: a concurrent writer, a split, subscribers that follow ChildShards parent-first
/// (clients/js/subscribe.mjs).</summary>
public sealed class JsSubscribeTests(TlsServerFixture fixture, ITestOutputHelper output) : IClassFixture<TlsServerFixture>
{
    [Fact]
    public async Task SubscribeToShard_over_h2c_reads_every_record_in_order_across_a_split()
    {
        await ClientScripts.EnsureNodeModulesAsync();
        await TransportScripts.RunAsync("node", Path.Combine("js", "subscribe.mjs"), fixture.Server.Endpoint, ClientScripts.Prefix("js", "sub-h2c"), fixture.Server, output);
    }

    [Fact]
    public async Task SubscribeToShard_over_tls_reads_every_record_in_order_across_a_split()
    {
        await ClientScripts.EnsureNodeModulesAsync();
        await TransportScripts.RunAsync("node", Path.Combine("js", "subscribe.mjs"), fixture.Server.TlsEndpoint, ClientScripts.Prefix("js", "sub-tls"), fixture.Server, output,
            environment: new Dictionary<string, string?> { ["NODE_EXTRA_CA_CERTS"] = fixture.PemPath });
    }
}
