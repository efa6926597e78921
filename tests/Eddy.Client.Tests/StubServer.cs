using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Eddy.Client.Tests;

/// <summary>What the stub answers to one request: a status and JSON body, a dropped connection, or no answer at all.</summary>
internal sealed record StubAnswer(int Status, string Body = "{}", bool Drop = false, bool Hang = false)
{
    public static StubAnswer Ok(string body = "{}") => new(200, body);

    public static StubAnswer Error(int status, string type, string message = "m") => new(status, $$"""{"__type":"{{type}}","message":"{{message}}"}""");

    public static readonly StubAnswer Dropped = new(0, Drop: true);

    public static readonly StubAnswer Silent = new(0, Hang: true);
}

/// <summary>A request the stub received.</summary>
internal sealed record StubRequest(string Method, string Path, string? Query, IReadOnlyDictionary<string, string> Headers, byte[] Body, string Protocol);

/// <summary>
/// A Kestrel server on 127.0.0.1, port 0, that answers requests from a script of <see cref="StubAnswer"/>s in order
/// (the last one repeats) and records each request; HTTP/1.1 and h2c.
/// </summary>
internal sealed class StubServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<StubAnswer> _script;
    private readonly ConcurrentQueue<StubRequest> _requests = new();
    private readonly CancellationTokenSource _stopping = new();
    private StubAnswer _last;

    private StubServer(WebApplication app, StubAnswer[] script)
    {
        _app = app;
        _script = new ConcurrentQueue<StubAnswer>(script);
        _last = script[^1];
    }

    public Uri Endpoint { get; private set; } = null!;

    public IReadOnlyList<StubRequest> Requests => [.. _requests];

    public static async Task<StubServer> StartAsync(params StubAnswer[] script)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1AndHttp2));
        var app = builder.Build();
        var stub = new StubServer(app, script);
        app.Run(stub.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        stub.Endpoint = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return stub;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        _requests.Enqueue(new StubRequest(context.Request.Method, context.Request.Path, context.Request.QueryString.Value, headers, body.ToArray(), context.Request.Protocol));
        var answer = _script.TryDequeue(out var next) ? _last = next : _last;
        if (answer.Drop)
        {
            context.Abort();
            return;
        }

        if (answer.Hang)
        {
            using var until = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, context.RequestAborted);
            try
            {
                await Task.Delay(Timeout.Infinite, until.Token);
            }
            catch (OperationCanceledException)
            {
            }

            return;
        }

        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = "application/x-amz-json-1.1";
        context.Response.Headers["x-amzn-RequestId"] = "req-" + _requests.Count;
        await context.Response.WriteAsync(answer.Body, Encoding.UTF8);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}
