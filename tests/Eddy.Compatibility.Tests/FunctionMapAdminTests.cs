using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Eddy.Client;
using Eddy.Client.Auth;
using Eddy.Testing;

namespace Eddy.Compatibility.Tests;

/// <summary>The function map over the wire: <c>eddy serve --function NAME=URL</c> and <c>/_eddy/functions</c> with a
/// plain HttpClient, with auth off and on.</summary>
public sealed class FunctionMapAdminTests
{
    private static async Task<JsonElement> JsonOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    [Fact]
    public async Task Functions_given_at_start_and_put_over_http_are_listed_got_deleted_and_survive_a_restart()
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions
        {
            ExtraArgs = ["--function", "a=http://127.0.0.1:9/transform", "--function", "rie=http://127.0.0.1:9/2015-03-31/functions/function/invocations"],
        });
        using var http = new HttpClient { BaseAddress = server.Endpoint };

        var list = await JsonOf(await http.GetAsync("/_eddy/functions"));
        Assert.Equal("""{"functions":[{"name":"a","url":"http://127.0.0.1:9/transform","kind":"plain"},{"name":"rie","url":"http://127.0.0.1:9/2015-03-31/functions/function/invocations","kind":"lambda-invoke"}]}""",
            list.GetRawText());

        var put = await http.PutAsJsonAsync("/_eddy/functions/b", new { url = "http://127.0.0.1:9/b" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("""{"name":"b","url":"http://127.0.0.1:9/b","kind":"plain"}""", (await JsonOf(put)).GetRawText());
        Assert.Equal("http://127.0.0.1:9/b", (await JsonOf(await http.GetAsync("/_eddy/functions/b"))).GetProperty("url").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync("/_eddy/functions/a")).StatusCode);

        var missing = await http.GetAsync("/_eddy/functions/a");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("""{"__type":"ResourceNotFoundException","message":"No function a is mapped."}""", (await JsonOf(missing)).GetRawText());
        var bad = await http.PutAsync("/_eddy/functions/c", new StringContent("""{"url":"ftp://x"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("InvalidParameterValueException", (await JsonOf(bad)).GetProperty("__type").GetString());
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync("/_eddy/functions", null)).StatusCode);

        await server.RestartAsync();
        using var again = new HttpClient { BaseAddress = server.Endpoint };
        var names = (await JsonOf(await again.GetAsync("/_eddy/functions"))).GetProperty("functions").EnumerateArray().Select(f => f.GetProperty("name").GetString());
        Assert.Equal(["a", "b", "rie"], names); // a is given again at start; b was stored
    }

    [Fact]
    public async Task A_bad_function_option_stops_the_server_with_one_line()
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var server = await EddyServer.StartAsync(new EddyServerOptions { InMemory = true, ExtraArgs = ["--function", "no-url"] });
        });
        Assert.Contains("eddy: --function no-url: 'no-url' is not NAME=URL.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_auth_on_the_admin_api_needs_a_signature_for_service_eddy_and_an_allowing_policy()
    {
        var file = Path.Combine(Path.GetTempPath(), $"eddy-credentials-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """
            {"keys":[
              {"accessKeyId":"AKIDFN","secretAccessKey":"fn-secret","policies":[{"Statement":{"Effect":"Allow","Action":"eddy:*","Resource":"*"}}]},
              {"accessKeyId":"AKIDKIN","secretAccessKey":"kin-secret","principal":"arn:aws:iam::000000000000:user/kin",
               "policies":[{"Statement":{"Effect":"Allow","Action":"kinesis:*","Resource":"*"}}]}]}
            """);
        try
        {
            await using var server = await EddyServer.StartAsync(new EddyServerOptions { InMemory = true, ExtraArgs = ["--auth", "on", "--credentials", file] });
            using var http = new HttpClient();
            var signer = new SigV4Signer("eddy");

            async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body, AwsCredentials? key)
            {
                using var request = new HttpRequestMessage(method, new Uri(server.Endpoint, path));
                var bytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
                if (body is not null)
                {
                    request.Content = new ByteArrayContent(bytes);
                }
                if (key is not null)
                {
                    signer.Sign(request, bytes, key, "us-east-1", DateTimeOffset.UtcNow);
                }
                return await http.SendAsync(request);
            }

            var unsigned = await SendAsync(HttpMethod.Get, "/_eddy/functions", null, null);
            Assert.Equal(HttpStatusCode.BadRequest, unsigned.StatusCode);
            Assert.Equal("MissingAuthenticationTokenException", (await JsonOf(unsigned)).GetProperty("__type").GetString());

            var wrongKey = await SendAsync(HttpMethod.Put, "/_eddy/functions/f", """{"url":"http://127.0.0.1:9/"}""", new AwsCredentials("AKIDKIN", "kin-secret"));
            var denied = await JsonOf(wrongKey);
            Assert.Equal("AccessDeniedException", denied.GetProperty("__type").GetString());
            Assert.Contains("is not authorized to perform: eddy:PutFunction", denied.GetProperty("message").GetString(), StringComparison.Ordinal);

            var put = await SendAsync(HttpMethod.Put, "/_eddy/functions/f", """{"url":"http://127.0.0.1:9/"}""", new AwsCredentials("AKIDFN", "fn-secret"));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            var list = await SendAsync(HttpMethod.Get, "/_eddy/functions", null, new AwsCredentials("AKIDFN", "fn-secret"));
            Assert.Equal("f", (await JsonOf(list)).GetProperty("functions")[0].GetProperty("name").GetString());
        }
        finally
        {
            File.Delete(file);
        }
    }
}
