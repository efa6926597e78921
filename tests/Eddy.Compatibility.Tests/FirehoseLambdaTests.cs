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
        using var function = new TestFunction(body => FirehoseTransforms.UppercaseDropFail(body)); // uppercases, drops "drop", fails "fail"
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { InMemory = true, ExtraArgs = ["--function", "upper=" + function.Url] });
        await ClientScripts.RunScenarioAsync("python3", Path.Combine("python", "firehose_lambda.py"), server, ClientScripts.Prefix("py", "fhlambda"), output);
        Assert.NotEqual(0, function.Invocations);
    }
}
