using System.Net;
using Eddy.Testing;

namespace Eddy.Compatibility.Tests;

/// <summary>Raw JSON 1.1 requests (KinesisJson): the envelope details every SDK depends on.</summary>
public sealed class WireTests(EddyServerFixture fixture) : IClassFixture<EddyServerFixture>
{
    private readonly string _p = "wire-" + Guid.NewGuid().ToString("N")[..6];

    private Uri Ep => fixture.Endpoint;

    [Fact]
    public async Task Success_responses_carry_a_request_id_and_the_json_content_type()
    {
        var created = await KinesisJson.CallAsync(Ep, "CreateStream", new { StreamName = _p + "-a", ShardCount = 1 });
        Assert.Equal(HttpStatusCode.OK, created.Status);
        Assert.True(created.Body.Length == 0 || created.Body.Trim() == "{}", "CreateStream has no output: " + created.Body);
        Assert.True(created.Headers.ContainsKey("x-amzn-RequestId"), "x-amzn-RequestId header missing");

        var listed = await KinesisJson.CallAsync(Ep, "ListStreams", "{}");
        Assert.Equal(HttpStatusCode.OK, listed.Status);
        Assert.StartsWith("application/x-amz-json-1.1", listed.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.True(listed.Json.TryGetProperty("HasMoreStreams", out _), listed.Body);
    }

    [Fact]
    public async Task Errors_use_a_bare_type_and_a_lower_case_message()
    {
        var missing = _p + "-missing";
        var response = await KinesisJson.CallAsync(Ep, "DescribeStream", new { StreamName = missing });
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("ResourceNotFoundException", response.Json.GetProperty("__type").GetString());
        Assert.Equal($"Stream {missing} under account 000000000000 not found.", response.Json.GetProperty("message").GetString());
        Assert.True(response.Headers.ContainsKey("x-amzn-RequestId"), "x-amzn-RequestId header missing on errors");
    }

    [Fact]
    public async Task Protocol_errors()
    {
        var unknown = await KinesisJson.CallAsync(Ep, "NoSuchOperation", "{}");
        Assert.Equal((HttpStatusCode.BadRequest, "UnknownOperationException"), (unknown.Status, unknown.ErrorType));

        var notJson = await KinesisJson.CallAsync(Ep, "ListStreams", "this is not json");
        Assert.Equal((HttpStatusCode.BadRequest, "SerializationException"), (notJson.Status, notJson.ErrorType));

        var wrongType = await KinesisJson.CallAsync(Ep, "CreateStream", """{"StreamName":"x","ShardCount":"three"}""");
        Assert.Equal((HttpStatusCode.BadRequest, "SerializationException"), (wrongType.Status, wrongType.ErrorType));

        var invalid = await KinesisJson.CallAsync(Ep, "CreateStream", """{"StreamName":"x y","ShardCount":1}""");
        Assert.Equal((HttpStatusCode.BadRequest, "ValidationException"), (invalid.Status, invalid.ErrorType));
        Assert.Equal(
            "1 validation error detected: Value 'x y' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
            invalid.ErrorMessage);

        var required = await KinesisJson.CallAsync(Ep, "CreateStream", "{}");
        Assert.Equal((HttpStatusCode.BadRequest, "ValidationException"), (required.Status, required.ErrorType));
        Assert.Contains("Value null at 'streamName' failed to satisfy constraint: Member must not be null", required.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_signed_for_any_region_see_the_servers_single_region()
    {
        // One account and one region per server (README, "Not supported yet"): the credential scope's region is
        // accepted but does not select a separate namespace of streams.
        var name = _p + "-eu";
        var eu = new KinesisJsonOptions { Region = "eu-west-1" };
        var created = await KinesisJson.CallAsync(Ep, "CreateStream", new { StreamName = name, ShardCount = 1 }, eu);
        Assert.True(created.IsSuccess, created.ToString());
        var summary = await KinesisJson.CallAsync(Ep, "DescribeStreamSummary", new { StreamName = name });
        Assert.True(summary.IsSuccess, summary.ToString());
        Assert.Equal($"arn:aws:kinesis:us-east-1:000000000000:stream/{name}",
            summary.Json.GetProperty("StreamDescriptionSummary").GetProperty("StreamARN").GetString());
    }

    [Fact]
    public async Task Empty_reads_still_carry_records_and_millis_behind_latest()
    {
        var name = _p + "-empty";
        await KinesisJson.CallOkAsync(Ep, "CreateStream", new { StreamName = name, ShardCount = 1 });
        await KinesisJson.WaitForStreamStatusAsync(Ep, name);
        var it = (await KinesisJson.CallOkAsync(Ep, "GetShardIterator", new { StreamName = name, ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" }))
            .GetProperty("ShardIterator").GetString();
        var records = await KinesisJson.CallAsync(Ep, "GetRecords", new { ShardIterator = it });
        Assert.True(records.IsSuccess, records.ToString());
        Assert.Equal(0, records.Json.GetProperty("Records").GetArrayLength());
        Assert.Equal(0, records.Json.GetProperty("MillisBehindLatest").GetInt64());
        Assert.False(string.IsNullOrEmpty(records.Json.GetProperty("NextShardIterator").GetString()));
    }
}
