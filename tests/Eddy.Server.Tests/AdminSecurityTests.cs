using System.Net;

namespace Eddy.Server.Tests;

/// <summary>The fault-injection admin endpoint is not authenticated, so it is off while auth is on.</summary>
public sealed class AdminSecurityTests(AuthServerFixture fixture) : IClassFixture<AuthServerFixture>
{
    [Fact]
    public async Task The_admin_endpoint_is_off_when_auth_is_on()
    {
        using var http = new HttpClient();
        using var list = await http.GetAsync(new Uri(fixture.Server.Endpoint, "/_eddy/faults"));
        Assert.NotEqual(HttpStatusCode.OK, list.StatusCode);
        using var add = await http.PostAsync(new Uri(fixture.Server.Endpoint, "/_eddy/faults"), new StringContent("{\"error\":\"InternalFailure\"}"));
        Assert.NotEqual(HttpStatusCode.Created, add.StatusCode);
    }
}
