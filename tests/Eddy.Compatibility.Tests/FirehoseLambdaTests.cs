using System.Net;
using System.Net.Sockets;
using Eddy.Testing;
using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>Firehose data transformation end to end: <c>eddy serve --function upper=URL</c> with an HTTP function in
/// the test process, boto3 creating a delivery stream with a Lambda processor and reading the objects back over the S3
/// API (<c>clients/python/firehose_lambda.py</c>).</summary>
public sealed class FirehoseLambdaTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Boto3_delivery_stream_with_a_lambda_processor_delivers_drops_and_fails_records()
    {
        using var function = new TransformFunction();
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { InMemory = true, ExtraArgs = ["--function", "upper=" + function.Url] });
        await ClientScripts.RunScenarioAsync("python3", Path.Combine("python", "firehose_lambda.py"), server, ClientScripts.Prefix("py", "fhlambda"), output);
        Assert.NotEqual(0, function.Invocations);
    }

    /// <summary>A Firehose transform function on loopback (HttpListener): uppercases each record, answers Dropped for
    /// "drop" and ProcessingFailed for "fail".</summary>
    private sealed class TransformFunction : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _serve;
        private int _invocations;

        public TransformFunction()
        {
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
                var body = FirehoseTransforms.UppercaseDropFail(buffer.ToArray());
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
}
