using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Eddy.Functions.Tests;

/// <summary>A request the receiver got: method, path, headers of interest, body.</summary>
public sealed record ReceivedRequest(string Method, string Path, string? ContentType, string? InvocationType, byte[] Body);

/// <summary>
/// A real HTTP function endpoint for tests: Kestrel on 127.0.0.1 port 0, answering every request with
/// <see cref="Handler"/> and recording what it received (in arrival order).
/// </summary>
/// <remarks>Threading: requests may arrive concurrently; <see cref="Received"/> is a concurrent queue.</remarks>
public sealed class FunctionReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FunctionReceiver(WebApplication app) => _app = app;

    /// <summary>Answers a request given its body; the default echoes a Firehose response that marks every record Ok.</summary>
    public Func<HttpContext, byte[], Task> Handler { get; set; } = (context, _) =>
    {
        context.Response.StatusCode = 200;
        return Task.CompletedTask;
    };

    public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<FunctionReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new FunctionReceiver(app);
        app.Run(async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            var body = buffer.ToArray();
            receiver.Received.Enqueue(new ReceivedRequest(context.Request.Method, context.Request.Path.Value!, context.Request.ContentType,
                context.Request.Headers["X-Amz-Invocation-Type"].FirstOrDefault(), body));
            await receiver.Handler(context, body);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.BaseAddress = new Uri(address);
        return receiver;
    }

    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
