using Eddy.Testing;

namespace Eddy.Compatibility.Tests;

/// <summary>One real Eddy server per test class (xUnit class fixture), on its own temporary data directory.</summary>
public sealed class EddyServerFixture : IAsyncLifetime
{
    /// <summary>Long enough that a request sent right after a reshard still sees UPDATING; tests poll for ACTIVE.</summary>
    public const int StateDelayMs = 200;

    private EddyServer? _server;

    public EddyServer Server => _server ?? throw new InvalidOperationException("The server fixture did not start.");

    public Uri Endpoint => Server.Endpoint;

    public async Task InitializeAsync() =>
        _server = await EddyServer.StartAsync(new EddyServerOptions { StateDelayMs = StateDelayMs });

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
