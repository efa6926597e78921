using System.Net;
using System.Net.Sockets;

namespace Eddy.Compatibility.Tests;

/// <summary>A function on loopback (HttpListener, port found free) for <c>eddy serve --function NAME=URL</c>: each POST's
/// body (the Lambda event) goes to <c>respond</c>, whose answer is the Lambda response JSON.</summary>
/// <remarks>Serves one request at a time; <see cref="Dispose"/> stops it and waits for the serving task.</remarks>
internal sealed class TestFunction : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<byte[], byte[]> _respond;
    private readonly Task _serve;
    private int _invocations;

    public TestFunction(Func<byte[], byte[]> respond)
    {
        _respond = respond;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _serve = Task.Run(ServeAsync);
    }

    public string Url { get; }

    public int Invocations => Volatile.Read(ref _invocations);

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            Interlocked.Increment(ref _invocations);
            using var buffer = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(buffer);
            var body = _respond(buffer.ToArray());
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = body.Length;
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _serve.Wait(TimeSpan.FromSeconds(10));
    }
}
