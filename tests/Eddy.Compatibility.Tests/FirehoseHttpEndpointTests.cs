using System.Text;
using System.Text.Json;
using Eddy.Testing;
using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>
/// The HTTP endpoint and Splunk destinations over the wire: a real <c>eddy serve</c>, the AWS CLI creating the delivery
/// streams and putting records, real receivers in the test process (<see cref="HttpEndpointReceiver"/> checks AWS's
/// request contract, <see cref="SplunkHecReceiver"/> answers as a HEC with indexer acknowledgement), and the backup and
/// error objects read back with the AWS CLI over Eddy's S3 API.
/// </summary>
public sealed class FirehoseHttpEndpointTests(EddyServerFixture fixture, ITestOutputHelper output) : IClassFixture<EddyServerFixture>
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);
    private readonly FirehoseCliSteps _steps = new(fixture.Endpoint, output);
    private readonly string _p = "clihttp-" + Guid.NewGuid().ToString("N")[..6];

    private static string S3Configuration(string bucket) =>
        $$"""{"RoleARN":"arn:aws:iam::000000000000:role/firehose","BucketARN":"arn:aws:s3:::{{bucket}}","Prefix":"hooks/"}""";

    [Fact]
    public async Task Aws_cli_HTTP_endpoint_delivery_sends_AWSs_request_and_backs_up_all_data()
    {
        await using var receiver = await HttpEndpointReceiver.StartAsync();
        var bucket = _p + "-all";
        var name = _p + "-ok";
        await _steps.S3.RunAsync("create-bucket", "--bucket", bucket);
        await _steps.Firehose.RunAsync("create-delivery-stream", "--delivery-stream-name", name, "--http-endpoint-destination-configuration", $$"""
            {"EndpointConfiguration":{"Url":"{{receiver.Url}}","Name":"hooks","AccessKey":"secret-key"},
             "RequestConfiguration":{"ContentEncoding":"GZIP","CommonAttributes":[{"AttributeName":"env","AttributeValue":"test"}]},
             "BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0},"S3BackupMode":"AllData","S3Configuration":{{S3Configuration(bucket)}}}
            """);
        var described = (await _steps.WaitActiveAsync(name)).GetProperty("Destinations")[0].GetProperty("HttpEndpointDestinationDescription");
        Assert.False(described.GetProperty("EndpointConfiguration").TryGetProperty("AccessKey", out _)); // never described
        Assert.Equal(receiver.Url, described.GetProperty("EndpointConfiguration").GetProperty("Url").GetString());

        await _steps.Firehose.RunAsync("put-record-batch", "--delivery-stream-name", name, "--records", """[{"Data":"hello\n"},{"Data":"world\n"}]""");
        await receiver.WaitUntilAsync(r => !r.Delivered.IsEmpty, s_wait);

        Assert.Empty(receiver.Violations);
        var request = Assert.Single(receiver.Requests);
        Assert.True(request.Gzip);
        Assert.Equal("secret-key", request.Headers["x-amz-firehose-access-key"]);
        Assert.Equal($"arn:aws:firehose:us-east-1:000000000000:deliverystream/{name}", request.Headers["x-amz-firehose-source-arn"]);
        Assert.Equal("""{"commonAttributes":{"env":"test"}}""", request.Headers["x-amz-firehose-common-attributes"]);
        Assert.Equal(["hello\n", "world\n"], request.Records.Select(r => Encoding.UTF8.GetString(r)));

        var backup = Assert.Single(await _steps.WaitForObjectsAsync(bucket, 1));
        Assert.Matches($@"^hooks/\d{{4}}/\d{{2}}/\d{{2}}/\d{{2}}/{name}-1-", backup);
        Assert.Equal("hello\nworld\n", await _steps.GetAsync(bucket, backup));
    }

    [Fact]
    public async Task Aws_cli_HTTP_endpoint_failures_go_to_the_error_output_when_the_retry_window_closes()
    {
        await using var receiver = await HttpEndpointReceiver.StartAsync();
        receiver.Reply = _ => EndpointReply.ServerError;
        var bucket = _p + "-failed";
        var name = _p + "-down";
        await _steps.S3.RunAsync("create-bucket", "--bucket", bucket);
        await _steps.Firehose.RunAsync("create-delivery-stream", "--delivery-stream-name", name, "--http-endpoint-destination-configuration", $$"""
            {"EndpointConfiguration":{"Url":"{{receiver.Url}}"},"BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0},
             "RetryOptions":{"DurationInSeconds":0},"S3Configuration":{{S3Configuration(bucket)}}}
            """);
        await _steps.WaitActiveAsync(name);
        await _steps.Firehose.RunAsync("put-record", "--delivery-stream-name", name, "--record", """{"Data":"lost?\n"}""");

        var key = Assert.Single(await _steps.WaitForObjectsAsync(bucket, 1));
        Assert.Matches($@"^hooks/http-endpoint-failed/\d{{4}}/\d{{2}}/\d{{2}}/\d{{2}}/{name}-1-", key);
        var line = JsonDocument.Parse(Assert.Single((await _steps.GetAsync(bucket, key)).Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
        Assert.Equal("HttpEndpoint.DestinationException", line.GetProperty("errorCode").GetString());
        Assert.Contains("Unable to deliver records due to unknown error.", line.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal("lost?\n", Encoding.UTF8.GetString(line.GetProperty("rawData").GetBytesFromBase64()));
        Assert.Single(receiver.Requests); // RetryOptions 0: one attempt
    }

    [Fact]
    public async Task Aws_cli_Splunk_delivery_posts_to_the_HEC_and_waits_for_the_acknowledgement()
    {
        await using var hec = await SplunkHecReceiver.StartAsync("00000000-0000-0000-0000-000000000001");
        hec.PollsBeforeAck = 1;
        var bucket = _p + "-splunk";
        var name = _p + "-hec";
        await _steps.S3.RunAsync("create-bucket", "--bucket", bucket);
        await _steps.Firehose.RunAsync("create-delivery-stream", "--delivery-stream-name", name, "--splunk-destination-configuration", $$"""
            {"HECEndpoint":"{{hec.Endpoint}}","HECEndpointType":"Event","HECToken":"{{hec.Token}}",
             "BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0},"S3Configuration":{{S3Configuration(bucket)}}}
            """);
        var described = (await _steps.WaitActiveAsync(name)).GetProperty("Destinations")[0].GetProperty("SplunkDestinationDescription");
        Assert.Equal("FailedEventsOnly", described.GetProperty("S3BackupMode").GetString());

        await _steps.Firehose.RunAsync("put-record-batch", "--delivery-stream-name", name, "--records",
            """[{"Data":"{\"event\":{\"user\":\"alice\"}}"},{"Data":"{\"event\":{\"user\":\"bob\"}}"}]""");
        await hec.WaitUntilAsync(h => !h.Acknowledged.IsEmpty, s_wait);

        var post = Assert.Single(hec.Posts);
        Assert.Equal("/services/collector/event", post.Path);
        Assert.Equal(["""{"user":"alice"}""", """{"user":"bob"}"""], hec.AcknowledgedEvents());
        Assert.True(hec.Polls >= 2, "the ack was polled until the HEC acknowledged it");
    }
}
