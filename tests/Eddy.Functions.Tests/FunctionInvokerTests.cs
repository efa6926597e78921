using System.Net;
using System.Net.Sockets;
using System.Text;
using Eddy.Catalog;
using Eddy.Core.Functions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Eddy.Functions.Tests;

/// <summary><see cref="FunctionInvoker"/> against a real HTTP receiver on loopback.</summary>
public sealed class FunctionInvokerTests : IAsyncLifetime
{
    private readonly MemoryCatalogStore _catalog = new();
    private FunctionReceiver _receiver = null!;
    private FunctionMap _map = null!;

    public async Task InitializeAsync()
    {
        _receiver = await FunctionReceiver.StartAsync();
        _map = new FunctionMap(_catalog.Functions);
        await _map.LoadAsync([]);
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _map.Dispose();
        await _catalog.DisposeAsync();
    }

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Maps <c>slow</c> to a handler that never answers (until the call is aborted); the task completes when a
    /// request has arrived.</summary>
    private async Task<Task> MapSlowFunctionAsync()
    {
        await _map.PutAsync("slow", _receiver.Url("/"));
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _receiver.Handler = async (context, _) =>
        {
            arrived.SetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        };
        return arrived.Task;
    }

    [Fact]
    public async Task A_plain_url_gets_the_payload_as_a_json_post_and_its_answer_is_returned()
    {
        await _map.PutAsync("f", _receiver.Url("/transform"));
        _receiver.Handler = (context, body) => context.Response.WriteAsync("{\"echo\":" + Encoding.UTF8.GetString(body) + "}");
        using var invoker = new FunctionInvoker(_map, new FunctionsOptions());

        var result = await invoker.InvokeAsync("arn:aws:lambda:us-east-1:111122223333:function:f:$LATEST", Json("{\"x\":1}"));

        Assert.True(result.Succeeded, result.Failure?.ToString());
        Assert.Equal("{\"echo\":{\"x\":1}}", Encoding.UTF8.GetString(result.Payload.Span));
        Assert.Equal("arn:aws:lambda:us-east-1:111122223333:function:f:$LATEST", result.FunctionArn);
        var request = Assert.Single(_receiver.Received);
        Assert.Equal(("POST", "/transform", "application/json", null), (request.Method, request.Path, request.ContentType, request.InvocationType));
        Assert.Equal("{\"x\":1}", Encoding.UTF8.GetString(request.Body));
    }

    [Fact]
    public async Task A_runtime_emulator_is_called_on_its_invocation_path_and_X_Amz_Function_Error_is_a_function_error()
    {
        await _map.PutAsync("rie", _receiver.Url(FunctionNames.InvocationPath));
        _receiver.Handler = (context, _) =>
        {
            context.Response.Headers["X-Amz-Function-Error"] = "Unhandled";
            return context.Response.WriteAsync("""{"errorMessage":"boom","errorType":"Exception","stackTrace":[]}""");
        };
        using var invoker = new FunctionInvoker(_map, new FunctionsOptions());

        var result = await invoker.InvokeAsync("rie", Json("{}"));

        Assert.Equal(new FunctionFailure(FunctionFailureKind.FunctionError, "Unhandled", "boom"), result.Failure);
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:rie", result.FunctionArn);
        var request = Assert.Single(_receiver.Received);
        Assert.Equal((FunctionNames.InvocationPath, "RequestResponse"), (request.Path, request.InvocationType));
    }

    [Fact]
    public async Task A_non_2xx_answer_of_a_plain_url_is_a_function_error_with_its_status_and_text()
    {
        await _map.PutAsync("f", _receiver.Url("/"));
        _receiver.Handler = (context, _) =>
        {
            context.Response.StatusCode = 502;
            return context.Response.WriteAsync("bad gateway");
        };
        using var invoker = new FunctionInvoker(_map, new FunctionsOptions());

        var result = await invoker.InvokeAsync("f", Json("{}"));

        Assert.Equal(new FunctionFailure(FunctionFailureKind.FunctionError, "HTTP 502", "bad gateway"), result.Failure);
    }

    [Fact]
    public async Task An_unknown_name_is_Lambdas_function_not_found_naming_the_arn()
    {
        using var invoker = new FunctionInvoker(_map, new FunctionsOptions { Region = "eu-west-1", Account = "123456789012" });

        var byName = await invoker.InvokeAsync("nope", Json("{}"));
        var byArn = await invoker.InvokeAsync("arn:aws:lambda:us-east-1:111122223333:function:nope:7", Json("{}"));

        Assert.Equal(new FunctionFailure(FunctionFailureKind.NotFound, "ResourceNotFoundException",
            "Function not found: arn:aws:lambda:eu-west-1:123456789012:function:nope"), byName.Failure);
        Assert.Equal(new FunctionFailure(FunctionFailureKind.NotFound, "ResourceNotFoundException",
            "Function not found: arn:aws:lambda:us-east-1:111122223333:function:nope:7"), byArn.Failure);
        Assert.Empty(_receiver.Received);
    }

    [Fact]
    public async Task No_answer_within_the_timeout_is_a_timeout_failure()
    {
        var arrived = await MapSlowFunctionAsync();
        var time = new FakeTimeProvider();
        using var invoker = new FunctionInvoker(_map, new FunctionsOptions { Timeout = TimeSpan.FromSeconds(30), Time = time });

        var call = invoker.InvokeAsync("slow", Json("{}")).AsTask();
        await arrived.WaitAsync(TimeSpan.FromSeconds(30));
        time.Advance(TimeSpan.FromSeconds(30));
        var result = await call.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(new FunctionFailure(FunctionFailureKind.Timeout, "TimeoutException", "The function did not answer within 30 seconds."), result.Failure);
    }

    [Fact]
    public async Task Cancelling_the_caller_aborts_the_call_with_OperationCanceledException()
    {
        var arrived = await MapSlowFunctionAsync();
        using var invoker = new FunctionInvoker(_map, new FunctionsOptions());
        using var cancel = new CancellationTokenSource();

        var call = invoker.InvokeAsync("slow", Json("{}"), cancel.Token).AsTask();
        await arrived.WaitAsync(TimeSpan.FromSeconds(30));
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_refused_connection_is_an_unreachable_failure()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await _map.PutAsync("gone", $"http://127.0.0.1:{port}/");
        using var invoker = new FunctionInvoker(_map, new FunctionsOptions());

        var result = await invoker.InvokeAsync("gone", Json("{}"));

        Assert.Equal((FunctionFailureKind.Unreachable, "ServiceException"), (result.Failure!.Kind, result.Failure.ErrorType));
        Assert.StartsWith($"The function's URL http://127.0.0.1:{port}/ could not be reached", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Payloads_over_the_limit_are_refused_both_ways()
    {
        await _map.PutAsync("f", _receiver.Url("/"));
        _receiver.Handler = (context, _) => context.Response.Body.WriteAsync(new byte[200]).AsTask();
        using var invoker = new FunctionInvoker(_map, new FunctionsOptions { MaxPayloadBytes = 100 });

        var request = await invoker.InvokeAsync("f", new byte[101]);
        var response = await invoker.InvokeAsync("f", new byte[10]);

        Assert.Equal(new FunctionFailure(FunctionFailureKind.TooLarge, "RequestTooLargeException",
            "Request must be smaller than 100 bytes for the InvokeFunction operation"), request.Failure);
        Assert.Equal((FunctionFailureKind.TooLarge, "Function.ResponseSizeTooLarge"), (response.Failure!.Kind, response.Failure.ErrorType));
        Assert.Single(_receiver.Received);
    }
}
