using System.Text;
using System.Text.Json;
using Eddy.Core.Firehose;
using Eddy.Testing;

namespace Eddy.Firehose.Tests;

/// <summary>The HTTP endpoint destination against a real receiver (Kestrel on loopback) that checks AWS's wire contract:
/// the request, the response contract, retries with one request id, the retry window's expiry to
/// <c>http-endpoint-failed</c>, 413, the 3-minute timeout, the 10,000-record split, AllData backup.</summary>
public sealed class HttpEndpointTests : HttpEndpointHarness
{
    private HttpEndpointReceiver _receiver = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _receiver = await HttpEndpointReceiver.StartAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private DestinationInput Http(string extra = "", string? url = null) => new("HttpEndpointDestinationConfiguration", $$"""
        {"EndpointConfiguration":{"Url":"{{url ?? _receiver.Url}}","Name":"receiver","AccessKey":"secret-key"},
         "BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0},"S3Configuration":{{S3Configuration("http/")}}{{extra}}}
        """);

    [Fact]
    public async Task Records_are_posted_as_AWS_documents_with_the_access_key_and_common_attributes()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "h", Http(""","RequestConfiguration":{"CommonAttributes":[{"AttributeName":"env","AttributeValue":"test"},{"AttributeName":"empty","AttributeValue":""}]}"""));
        await engine.PutRecordsAsync("h", Lines("one\n", "two\n", ""));
        await FlushedAsync(engine, "h", 3);

        Assert.Empty(_receiver.Violations);
        var request = Assert.Single(_receiver.Requests);
        Assert.Equal(["one\n", "two\n", ""], request.Records.Select(r => Encoding.UTF8.GetString(r)));
        Assert.Equal("secret-key", request.Headers["x-amz-firehose-access-key"]);
        Assert.Equal("""{"commonAttributes":{"env":"test","empty":""}}""", request.Headers["x-amz-firehose-common-attributes"]);
        Assert.Equal(engine.Arn("h"), request.Headers["x-amz-firehose-source-arn"]);
        Assert.False(request.Gzip);
        Assert.Equal(Time.GetUtcNow().ToUnixTimeMilliseconds(), request.Timestamp);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", request.RequestId);
        Assert.Empty(await ObjectsAsync("")); // FailedDataOnly: nothing in the bucket
        var metrics = Assert.Single(engine.Snapshot());
        Assert.Equal((3L, 8L, 1L, 0L), (metrics.DeliveryRecords, metrics.DeliveryBytes, metrics.DeliveryObjects, metrics.ProcessingFailedRecords));
    }

    [Fact]
    public async Task Without_access_key_or_attributes_those_headers_are_absent_and_GZIP_compresses_the_body()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "g", new DestinationInput("HttpEndpointDestinationConfiguration", $$"""
            {"EndpointConfiguration":{"Url":"{{_receiver.Url}}"},"RequestConfiguration":{"ContentEncoding":"GZIP"},
             "BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0},"S3Configuration":{{S3Configuration("g/")}}}
            """));
        await engine.PutRecordsAsync("g", Lines(new string('z', 5000)));
        await FlushedAsync(engine, "g", 1);

        var request = Assert.Single(_receiver.Requests);
        Assert.True(request.Gzip);
        Assert.Equal(new string('z', 5000), Encoding.UTF8.GetString(Assert.Single(request.Records)));
        Assert.False(request.Headers.ContainsKey("x-amz-firehose-access-key"));
        Assert.False(request.Headers.ContainsKey("x-amz-firehose-common-attributes"));
        Assert.Empty(_receiver.Violations);
    }

    [Fact]
    public async Task A_flush_of_more_than_10000_records_is_split_into_requests_of_at_most_10000()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "s", Http());
        await engine.PutRecordsAsync("s", [.. Enumerable.Range(0, 25_000).Select(i => (ReadOnlyMemory<byte>)Encoding.ASCII.GetBytes($"{i}\n"))]);
        await FlushedAsync(engine, "s", 25_000);

        var requests = _receiver.Requests.ToList();
        Assert.Equal([10_000, 10_000, 5_000], requests.Select(r => r.Records.Count));
        Assert.Equal(3, requests.Select(r => r.RequestId).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 25_000).Select(i => $"{i}\n"), requests.SelectMany(r => r.Records).Select(r => Encoding.ASCII.GetString(r)));
        Assert.Equal(3, engine.Snapshot()[0].DeliveryObjects);
    }

    [Fact]
    public async Task Failures_are_retried_with_the_same_request_id_until_the_window_closes_then_the_records_go_to_http_endpoint_failed()
    {
        _receiver.Reply = _ => EndpointReply.ServerError;
        var engine = await StartAsync();
        await CreateAsync(engine, "f", Http(""","RetryOptions":{"DurationInSeconds":10}"""));
        var arrival = Time.GetUtcNow().ToUnixTimeMilliseconds();
        await engine.PutRecordsAsync("f", Lines("a\n", "b\n"));
        await FlushedAsync(engine, "f", 2);

        // backoff 1, 2, 4 s after failures at 0, 1, 3, 7 s; after the 8 s backoff (15 s) the 10 s window has closed
        var requests = _receiver.Requests.ToList();
        Assert.Equal(4, requests.Count);
        Assert.Single(requests.Select(r => r.RequestId).Distinct());
        Assert.Empty(_receiver.Violations);
        var (key, content) = Assert.Single(await ObjectsAsync(""));
        Assert.StartsWith("http/http-endpoint-failed/2026/03/04/05/f-1-2026-03-04-05-06-07-", key, StringComparison.Ordinal);
        var lines = ErrorLines(content);
        Assert.Equal(2, lines.Count);
        Assert.Equal(["attemptsMade", "arrivalTimestamp", "errorCode", "errorMessage", "attemptEndingTimestamp", "rawData", "subsequenceNumber", "dataId"],
            lines[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(4, lines[0].GetProperty("attemptsMade").GetInt32());
        Assert.Equal(arrival, lines[0].GetProperty("arrivalTimestamp").GetInt64());
        Assert.Equal("HttpEndpoint.DestinationException", lines[0].GetProperty("errorCode").GetString());
        Assert.StartsWith($$"""The following response was received from the endpoint destination. 500: {"requestId":"{{requests[0].RequestId}}","timestamp":""",
            lines[0].GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Contains("Unable to deliver records due to unknown error.", lines[0].GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal(arrival + 15_000, lines[0].GetProperty("attemptEndingTimestamp").GetInt64());
        Assert.Equal(["a\n", "b\n"], lines.Select(l => Encoding.UTF8.GetString(l.GetProperty("rawData").GetBytesFromBase64())));
        Assert.Equal(2, lines.Select(l => l.GetProperty("dataId").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task A_413_is_not_retried_and_the_batch_is_not_written_to_the_error_output()
    {
        _receiver.Reply = _ => EndpointReply.PayloadTooLarge;
        var engine = await StartAsync();
        await CreateAsync(engine, "p", Http());
        await engine.PutRecordsAsync("p", Lines("big\n"));
        await FlushedAsync(engine, "p", 1);
        await engine.PutRecordsAsync("p", Lines("next\n"));
        await FlushedAsync(engine, "p", 2);

        Assert.Equal(2, _receiver.Requests.Count); // one per flush: no retry
        Assert.Empty(await ObjectsAsync(""));
    }

    [Theory]
    [InlineData(EndpointReply.WrongRequestId, "HttpEndpoint.InvalidResponseFromDestination")]
    [InlineData(EndpointReply.Redirect, "HttpEndpoint.DestinationException")]
    [InlineData(EndpointReply.TooLarge, "HttpEndpoint.ResponseTooLarge")]
    public async Task Answers_other_than_a_valid_200_fail_with_their_error_code(EndpointReply reply, string errorCode)
    {
        _receiver.Reply = _ => reply;
        var engine = await StartAsync();
        await CreateAsync(engine, "i", Http(""","RetryOptions":{"DurationInSeconds":0}"""));
        await engine.PutRecordsAsync("i", Lines("x\n"));
        await FlushedAsync(engine, "i", 1);

        Assert.Single(_receiver.Requests); // 0 s: no retry, and a redirect is not followed
        var line = Assert.Single(ErrorLines(Assert.Single(await ObjectsAsync("http/http-endpoint-failed/")).Value));
        Assert.Equal(errorCode, line.GetProperty("errorCode").GetString());
        Assert.Equal(1, line.GetProperty("attemptsMade").GetInt32());
    }

    [Fact]
    public async Task No_answer_within_three_minutes_is_HttpEndpoint_RequestTimeout()
    {
        _receiver.Reply = _ => EndpointReply.Hang;
        _receiver.OnRequest = _ => Time.Advance(TimeSpan.FromMinutes(3));
        var engine = await StartAsync();
        await CreateAsync(engine, "t", Http(""","RetryOptions":{"DurationInSeconds":0}"""));
        await engine.PutRecordsAsync("t", Lines("slow\n"));
        await FlushedAsync(engine, "t", 1);

        var line = Assert.Single(ErrorLines(Assert.Single(await ObjectsAsync("http/http-endpoint-failed/")).Value));
        Assert.Equal("HttpEndpoint.RequestTimeout", line.GetProperty("errorCode").GetString());
    }

    [Fact]
    public async Task A_recovered_endpoint_gets_the_batch_once_by_request_id_and_AllData_backs_up_every_source_record()
    {
        var answered = 0;
        _receiver.Reply = _ => Interlocked.Increment(ref answered) <= 2 ? EndpointReply.ServerError : EndpointReply.Ok;
        var engine = await StartAsync();
        await CreateAsync(engine, "a", Http(""","S3BackupMode":"AllData","RetryOptions":{"DurationInSeconds":60}"""));
        await engine.PutRecordsAsync("a", Lines("r1\n", "r2\n"));
        await FlushedAsync(engine, "a", 2);

        Assert.Equal(3, _receiver.Requests.Count);
        Assert.Single(_receiver.Requests.Select(r => r.RequestId).Distinct());
        var delivered = Assert.Single(_receiver.Delivered).Value;
        Assert.Equal(["r1\n", "r2\n"], delivered.Records.Select(r => Encoding.UTF8.GetString(r)));
        var (key, backup) = Assert.Single(await ObjectsAsync(""));
        Assert.StartsWith("http/2026/03/04/05/a-1-", key, StringComparison.Ordinal);
        Assert.Equal("r1\nr2\n", Encoding.UTF8.GetString(backup));
    }

    [Fact]
    public async Task Describe_shows_AWS_defaults_and_never_the_access_key()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "d", new DestinationInput("HttpEndpointDestinationConfiguration", $$"""
            {"EndpointConfiguration":{"Url":"{{_receiver.Url}}","AccessKey":"secret-key"},"S3Configuration":{{S3Configuration("d/")}}}
            """));
        var view = await engine.DescribeDeliveryStreamAsync("d");
        using var document = JsonDocument.Parse(view.DestinationJson);
        var description = document.RootElement.GetProperty("HttpEndpointDestinationDescription");
        Assert.DoesNotContain("secret-key", view.DestinationJson, StringComparison.Ordinal);
        Assert.False(description.GetProperty("EndpointConfiguration").TryGetProperty("AccessKey", out _));
        Assert.Equal(300, description.GetProperty("RetryOptions").GetProperty("DurationInSeconds").GetInt32());
        Assert.Equal("FailedDataOnly", description.GetProperty("S3BackupMode").GetString());
        Assert.Equal("NONE", description.GetProperty("RequestConfiguration").GetProperty("ContentEncoding").GetString());
        Assert.Equal((5, 300), (description.GetProperty("BufferingHints").GetProperty("SizeInMBs").GetInt32(),
            description.GetProperty("BufferingHints").GetProperty("IntervalInSeconds").GetInt32()));
    }

    [Theory]
    [InlineData("""{"Url":"http://example.com/in"}""", "")]
    [InlineData("""{"Url":"ftp://127.0.0.1/in"}""", "")]
    [InlineData("""{"Url":"https://example.com/in"}""", ""","SecretsManagerConfiguration":{"Enabled":true,"SecretARN":"arn:aws:secretsmanager:us-east-1:000000000000:secret:s"}""")]
    [InlineData("""{"Url":"https://example.com/in"}""", ""","BufferingHints":{"SizeInMBs":1}""")]
    [InlineData("""{"Url":"https://example.com/in"}""", ""","RequestConfiguration":{"CommonAttributes":[{"AttributeName":"a","AttributeValue":"1"},{"AttributeName":"a","AttributeValue":"2"}]}""")]
    public async Task Configurations_Eddy_cannot_deliver_are_refused_with_InvalidArgumentException(string endpoint, string extra)
    {
        var engine = await StartAsync();
        var e = await Assert.ThrowsAsync<FirehoseException>(() => CreateAsync(engine, "bad", new DestinationInput("HttpEndpointDestinationConfiguration",
            $$"""{"EndpointConfiguration":{{endpoint}},"S3Configuration":{{S3Configuration("b/")}}{{extra}}}""")));
        Assert.Equal(FirehoseException.InvalidArgument, e.ErrorType);
        Assert.Empty(engine.Snapshot());
    }
}
