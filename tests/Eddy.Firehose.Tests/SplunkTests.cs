using System.Text;
using System.Text.Json;
using Eddy.Core.Firehose;
using Eddy.Testing;

namespace Eddy.Firehose.Tests;

/// <summary>The Splunk destination against a real HEC receiver (Kestrel on loopback, HEC's protocol with indexer
/// acknowledgement): event and raw endpoints, the token and channel headers, ack polling and its timeout, HEC refusals
/// mapped to Splunk.* codes, retries to <c>splunk-failed</c>, AllEvents backup, the backup mode's update rule.</summary>
public sealed class SplunkTests : HttpEndpointHarness
{
    private const string Token = "0e5fbd6c-1f56-4b4e-9b9e-3a3c1f0f5a11";
    private SplunkHecReceiver _hec = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _hec = await SplunkHecReceiver.StartAsync(Token);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _hec.DisposeAsync();
    }

    private DestinationInput Splunk(string type = "Event", string extra = "", string token = Token) => new("SplunkDestinationConfiguration", $$"""
        {"HECEndpoint":"{{_hec.Endpoint}}","HECEndpointType":"{{type}}","HECToken":"{{token}}",
         "BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0},"S3Configuration":{{S3Configuration("splunk/")}}{{extra}}}
        """);

    [Fact]
    public async Task Event_records_are_posted_to_the_event_endpoint_and_acknowledged()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "e", Splunk());
        await engine.PutRecordsAsync("e", Lines("""{"event":{"n":1}}""", """{"event":"two","sourcetype":"x"}"""));
        await FlushedAsync(engine, "e", 2);
        await engine.PutRecordsAsync("e", Lines("""{"event":3}"""));
        await FlushedAsync(engine, "e", 3);

        Assert.Equal(["""{"n":1}""", "\"two\"", "3"], _hec.AcknowledgedEvents());
        var posts = _hec.Posts.ToList();
        Assert.All(posts, p => Assert.Equal("/services/collector/event", p.Path));
        Assert.Single(posts.Select(p => p.Channel).Distinct()); // one channel per delivery stream
        Assert.Equal([0L, 1L], posts.Select(p => p.AckId));
        Assert.Empty(await ObjectsAsync("")); // FailedEventsOnly
        var metrics = Assert.Single(engine.Snapshot());
        Assert.Equal((3L, 2L, 0L), (metrics.DeliveryRecords, metrics.DeliveryObjects, metrics.ProcessingFailedRecords));
    }

    [Fact]
    public async Task Raw_records_go_to_the_raw_endpoint_and_the_ack_is_polled_until_indexed()
    {
        _hec.PollsBeforeAck = 3;
        var engine = await StartAsync();
        await CreateAsync(engine, "r", Splunk("Raw"));
        await engine.PutRecordsAsync("r", Lines("line 1\n", "line 2\n"));
        await FlushedAsync(engine, "r", 2);

        var post = Assert.Single(_hec.Posts);
        Assert.Equal("/services/collector/raw", post.Path);
        Assert.Equal("line 1\nline 2\n", Encoding.UTF8.GetString(post.Body));
        Assert.Equal(4, _hec.Polls);
        Assert.Equal(["line 1", "line 2"], _hec.AcknowledgedEvents());
    }

    [Fact]
    public async Task Without_an_ack_before_the_timeout_the_events_go_to_splunk_failed_with_Splunk_AckTimeout()
    {
        _hec.PollsBeforeAck = int.MaxValue;
        var engine = await StartAsync();
        await CreateAsync(engine, "t", Splunk(extra: ""","HECAcknowledgmentTimeoutInSeconds":180,"RetryOptions":{"DurationInSeconds":0}"""));
        var arrival = Time.GetUtcNow().ToUnixTimeMilliseconds();
        await engine.PutRecordsAsync("t", Lines("""{"event":"a"}""", """{"event":"b"}"""));
        await FlushedAsync(engine, "t", 2);

        Assert.Single(_hec.Posts);
        Assert.InRange(_hec.Polls, 180, 182); // one poll a second for 180 s
        var (key, content) = Assert.Single(await ObjectsAsync(""));
        Assert.StartsWith("splunk/splunk-failed/2026/03/04/05/t-1-2026-03-04-05-06-07-", key, StringComparison.Ordinal);
        var lines = ErrorLines(content);
        Assert.Equal(["attemptsMade", "arrivalTimestamp", "errorCode", "errorMessage", "attemptEndingTimestamp", "rawData", "EventId"],
            lines[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal("Splunk.AckTimeout", lines[0].GetProperty("errorCode").GetString());
        Assert.Equal(1, lines[0].GetProperty("attemptsMade").GetInt32());
        Assert.Equal(arrival, lines[0].GetProperty("arrivalTimestamp").GetInt64());
        Assert.Equal(arrival + 180_000, lines[0].GetProperty("attemptEndingTimestamp").GetInt64());
        Assert.Equal(["""{"event":"a"}""", """{"event":"b"}"""], lines.Select(l => Encoding.UTF8.GetString(l.GetProperty("rawData").GetBytesFromBase64())));
        Assert.Equal(2, lines.Select(l => l.GetProperty("EventId").GetString()).Distinct().Count());
    }

    [Theory]
    [InlineData("wrong-token", null, "Splunk.InvalidToken")]
    [InlineData("ack-off", null, "Splunk.DisabledAck")]
    [InlineData("not-json", null, "Splunk.InvalidDataFormat")]
    [InlineData(Token, 7, "Splunk.InvalidIndex")]
    [InlineData(Token, 1, "Splunk.DisabledToken")]
    [InlineData(Token, 9, "Splunk.ServerError")]
    public async Task HEC_refusals_map_to_Splunk_error_codes(string token, int? refusal, string errorCode)
    {
        _hec.AckEnabled = token != "ack-off";
        _hec.Refuse = _ => refusal switch
        {
            7 => new HecRefusal(400, 7, "Incorrect index"),
            1 => new HecRefusal(403, 1, "Token disabled"),
            9 => new HecRefusal(503, 9, "Server is busy"),
            _ => null,
        };
        var engine = await StartAsync();
        await CreateAsync(engine, "x", Splunk(token: token is "wrong-token" ? "f00f00f0-0000-0000-0000-000000000000" : Token,
            extra: ""","RetryOptions":{"DurationInSeconds":0}"""));
        await engine.PutRecordsAsync("x", Lines(token == "not-json" ? "plain text" : """{"event":"e"}"""));
        await FlushedAsync(engine, "x", 1);

        var line = Assert.Single(ErrorLines(Assert.Single(await ObjectsAsync("splunk/splunk-failed/")).Value));
        Assert.Equal(errorCode, line.GetProperty("errorCode").GetString());
        Assert.Equal(1, _hec.Attempts);
    }

    [Fact]
    public async Task A_busy_HEC_is_retried_until_it_indexes_and_AllEvents_backs_up_every_source_record()
    {
        var refused = 0;
        _hec.Refuse = _ => Interlocked.Increment(ref refused) <= 2 ? new HecRefusal(503, 9, "Server is busy") : null;
        var engine = await StartAsync();
        await CreateAsync(engine, "b", Splunk(extra: ""","S3BackupMode":"AllEvents","RetryOptions":{"DurationInSeconds":60}"""));
        await engine.PutRecordsAsync("b", Lines("""{"event":1}""", """{"event":2}"""));
        await FlushedAsync(engine, "b", 2);

        Assert.Equal(3, _hec.Attempts);
        Assert.Equal(["1", "2"], _hec.AcknowledgedEvents());
        var (key, backup) = Assert.Single(await ObjectsAsync(""));
        Assert.StartsWith("splunk/2026/03/04/05/b-1-", key, StringComparison.Ordinal);
        Assert.Equal("""{"event":1}{"event":2}""", Encoding.UTF8.GetString(backup));
        Assert.Equal(0, engine.Snapshot()[0].ProcessingFailedRecords);
    }

    [Fact]
    public async Task Describe_shows_the_defaults_and_the_backup_mode_goes_only_from_FailedEventsOnly_to_AllEvents()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "u", new DestinationInput("SplunkDestinationConfiguration", $$"""
            {"HECEndpoint":"{{_hec.Endpoint}}","HECEndpointType":"Raw","HECToken":"{{Token}}","S3Configuration":{{S3Configuration("u/")}}}
            """));
        using (var document = JsonDocument.Parse((await engine.DescribeDeliveryStreamAsync("u")).DestinationJson))
        {
            var description = document.RootElement.GetProperty("SplunkDestinationDescription");
            Assert.Equal(180, description.GetProperty("HECAcknowledgmentTimeoutInSeconds").GetInt32());
            Assert.Equal(3600, description.GetProperty("RetryOptions").GetProperty("DurationInSeconds").GetInt32());
            Assert.Equal("FailedEventsOnly", description.GetProperty("S3BackupMode").GetString());
            Assert.Equal(60, description.GetProperty("BufferingHints").GetProperty("IntervalInSeconds").GetInt32());
        }
        await engine.UpdateDestinationAsync("u", "1", "destinationId-000000000001", new DestinationInput("SplunkDestinationUpdate", """{"S3BackupMode":"AllEvents"}"""));
        var back = await Assert.ThrowsAsync<FirehoseException>(() => engine.UpdateDestinationAsync("u", "2", "destinationId-000000000001",
            new DestinationInput("SplunkDestinationUpdate", """{"S3BackupMode":"FailedEventsOnly"}""")).AsTask());
        Assert.Equal(FirehoseException.InvalidArgument, back.ErrorType);
        Assert.Equal("2", (await engine.DescribeDeliveryStreamAsync("u")).VersionId);
    }

    [Theory]
    [InlineData("""{"HECEndpoint":"not a url","HECEndpointType":"Raw","HECToken":"t"}""")]
    [InlineData("""{"HECEndpoint":"https://splunk.example.com:8088","HECEndpointType":"Raw"}""")]
    public async Task Configurations_Eddy_cannot_deliver_are_refused_with_InvalidArgumentException(string head)
    {
        var engine = await StartAsync();
        var e = await Assert.ThrowsAsync<FirehoseException>(() => CreateAsync(engine, "bad", new DestinationInput("SplunkDestinationConfiguration",
            head[..^1] + ",\"S3Configuration\":" + S3Configuration("b/") + "}")));
        Assert.Equal(FirehoseException.InvalidArgument, e.ErrorType);
    }
}
