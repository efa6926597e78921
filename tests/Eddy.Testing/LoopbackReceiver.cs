using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Eddy.Testing;

/// <summary>
/// A real HTTP server for tests that stands in for an external receiver (Firehose HTTP endpoint, Splunk HEC): Kestrel
/// on 127.0.0.1 port 0 answering every request with one handler, and a change signal so tests wait for what it received
/// without polling.
/// </summary>
/// <remarks>Threading: the handler runs concurrently per request; <see cref="Pulse"/> and <see cref="WaitUntilAsync"/> are
/// thread-safe.</remarks>
public abstract class LoopbackReceiver : IAsyncDisposable
{
    private WebApplication? _app;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The address the server listens on (<c>http://127.0.0.1:PORT</c>).</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Starts listening; every request goes to <paramref name="handler"/>.</summary>
    protected async Task ListenAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Run(handler);
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>Wakes <see cref="WaitUntilAsync"/> callers: something the receiver records changed.</summary>
    protected void Pulse() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Waits until <paramref name="condition"/> holds, re-checked at every <see cref="Pulse"/> (no polling);
    /// throws when <paramref name="timeout"/> passes first.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var cancel = new CancellationTokenSource(timeout);
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            if (condition())
            {
                return;
            }
            await changed.WaitAsync(cancel.Token);
        }
    }

    /// <summary>Answers with <paramref name="body"/> serialized as JSON, with a Content-Length.</summary>
    protected static async Task WriteJsonAsync(HttpContext context, string contentType, int status, object body)
    {
        ArgumentNullException.ThrowIfNull(context);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body);
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }
}
