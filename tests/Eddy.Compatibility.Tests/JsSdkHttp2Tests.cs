using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>AWS SDK for JavaScript v3 with no request handler given: the Kinesis client's default NodeHttp2Handler
/// speaks HTTP/2 at once (h2c prior knowledge on http://, ALPN h2 on https://) and opens a connection per call
/// (clients/js/h2.mjs).</summary>
public sealed class JsSdkHttp2Tests(TlsServerFixture fixture, ITestOutputHelper output) : IClassFixture<TlsServerFixture>
{
    [Fact]
    public async Task Default_handler_speaks_h2c_to_the_cleartext_endpoint()
    {
        await ClientScripts.EnsureNodeModulesAsync();
        await TransportScripts.RunAsync("node", Path.Combine("js", "h2.mjs"), fixture.Server.Endpoint, ClientScripts.Prefix("js", "h2c"), fixture.Server, output);
    }

    [Fact]
    public async Task Default_handler_speaks_h2_over_tls_trusting_the_exported_certificate()
    {
        await ClientScripts.EnsureNodeModulesAsync();
        await TransportScripts.RunAsync(
            "node",
            Path.Combine("js", "h2.mjs"),
            fixture.Server.TlsEndpoint,
            ClientScripts.Prefix("js", "h2tls"),
            fixture.Server,
            output,
            environment: new Dictionary<string, string?> { ["NODE_EXTRA_CA_CERTS"] = fixture.PemPath });
    }
}
