using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Eddy.Client.Http;
using Eddy.Core;
using Eddy.Protocol;
using Eddy.Server.Faults;
using Eddy.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Eddy.Server.Tests;

/// <summary>One server for the fault-injection tests; each test clears the rules first and uses its own streams.</summary>
public sealed class FaultServerFixture : IAsyncLifetime
{
    private EddyServer? _server;

    public EddyServer Server => _server ?? throw new InvalidOperationException("not started");

    public Uri Endpoint => Server.Endpoint;

    public async Task InitializeAsync()
    {
        _server = await EddyServer.StartAsync(new EddyServerOptions { InMemory = true, StateDelayMs = 0 });
        foreach (var name in new[] { "fa", "fb" })
            await KinesisJson.CallOkAsync(Endpoint, "CreateStream", new { StreamName = name, ShardCount = 2 });
        foreach (var name in new[] { "fa", "fb" })
            await KinesisJson.WaitForStreamStatusAsync(Endpoint, name);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

/// <summary>Fault injection against a real server: the admin endpoint (<c>/_eddy/faults</c>), the filter's effects on
/// the Kinesis API, and the <c>eddy faults</c> CLI.</summary>
public sealed class FaultInjectionTests(FaultServerFixture fixture) : IClassFixture<FaultServerFixture>, IAsyncLifetime
{
    private Uri Endpoint => fixture.Endpoint;

    public async Task InitializeAsync()
    {
        using var response = await AdminAsync(HttpMethod.Delete);
        Assert.True(response.IsSuccess, $"{(int)response.Status}");
    }

    /// <summary>A raw call of the admin API through the test kit's Eddy.Client transport (JSON, unsigned, no retries).</summary>
    private Task<EddyResponse> AdminAsync(HttpMethod method, string path = "", string? json = null) =>
        KinesisJson.Http.SendAsync(new EddyRequest
        {
            Endpoint = Endpoint,
            Method = method,
            Path = "/_eddy/faults" + path,
            Body = json is null ? default : Encoding.UTF8.GetBytes(json),
            ContentType = "application/json",
            Sign = false,
        });

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<string> AddRuleAsync(string json)
    {
        using var response = await AdminAsync(HttpMethod.Post, json: json);
        var body = Encoding.UTF8.GetString(response.Span);
        Assert.True(response.Status == HttpStatusCode.Created, $"{(int)response.Status}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private async Task<HttpStatusCode> RemoveRuleAsync(string id)
    {
        using var response = await AdminAsync(HttpMethod.Delete, "/" + id);
        return response.Status;
    }

    private async Task<JsonElement> ListRulesAsync()
    {
        using var response = await AdminAsync(HttpMethod.Get);
        return JsonDocument.Parse(response.Body).RootElement.GetProperty("rules").Clone();
    }

    private Task<KinesisJsonResponse> PutAsync(string stream, string key = "k") =>
        KinesisJson.CallAsync(Endpoint, "PutRecord", new { StreamName = stream, PartitionKey = key, Data = "aGVsbG8=" });

    [Fact]
    public async Task Error_rate_one_fails_every_call_on_its_stream_and_none_on_another()
    {
        var id = await AddRuleAsync("""{"stream":"fa","error":"InternalFailure"}""");
        for (var i = 0; i < 10; i++)
        {
            var failed = await PutAsync("fa", $"k{i}");
            Assert.Equal(HttpStatusCode.InternalServerError, failed.Status);
            Assert.Equal("InternalFailure", failed.ErrorType);
            Assert.Equal(KinesisException.InternalFailureMessage, failed.ErrorMessage); // AWS's message, never none
            Assert.Equal(id, failed.Headers[FaultFilter.FaultHeader]);
            var ok = await PutAsync("fb", $"k{i}");
            Assert.True(ok.IsSuccess, ok.ToString());
        }
        var described = await KinesisJson.CallAsync(Endpoint, "DescribeStreamSummary", new { StreamName = "fa" });
        Assert.Equal("InternalFailure", described.ErrorType);
        var byArn = await KinesisJson.CallAsync(Endpoint, "DescribeStreamSummary", new { StreamARN = "arn:aws:kinesis:us-east-1:000000000000:stream/fa" });
        Assert.Equal("InternalFailure", byArn.ErrorType);
        Assert.True((await KinesisJson.CallAsync(Endpoint, "ListStreams", new { })).IsSuccess);

        var rules = await ListRulesAsync();
        var rule = Assert.Single(rules.EnumerateArray());
        Assert.Equal(id, rule.GetProperty("id").GetString());
        Assert.Equal(12, rule.GetProperty("fired").GetInt64());
    }

    [Fact]
    public async Task Action_filter_limits_the_rule_to_those_actions()
    {
        await AddRuleAsync("""{"action":"PutRecords","error":"ServiceUnavailable"}""");
        var many = await KinesisJson.CallAsync(Endpoint, "PutRecords", new { StreamName = "fb", Records = new[] { new { PartitionKey = "k", Data = "AA==" } } });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, many.Status);
        Assert.Equal("ServiceUnavailable", many.ErrorType);
        Assert.True((await PutAsync("fb")).IsSuccess);
    }

    [Fact]
    public async Task Rate_one_half_with_a_seed_fails_about_half_and_repeats_with_the_same_seed()
    {
        async Task<bool[]> RunAsync()
        {
            var id = await AddRuleAsync("""{"stream":"fa","action":["PutRecord"],"error":"ProvisionedThroughputExceededException","rate":0.5,"seed":42}""");
            var outcome = new bool[200];
            for (var i = 0; i < outcome.Length; i++)
            {
                var r = await PutAsync("fa", $"k{i}");
                outcome[i] = !r.IsSuccess;
                if (!r.IsSuccess) Assert.Equal("ProvisionedThroughputExceededException", r.ErrorType);
            }
            Assert.Equal(HttpStatusCode.NoContent, await RemoveRuleAsync(id));
            return outcome;
        }

        var first = await RunAsync();
        var failures = first.Count(f => f);
        Assert.InRange(failures, 60, 140);
        Assert.Equal(first, await RunAsync());
    }

    [Fact]
    public async Task Latency_adds_at_least_the_configured_delay()
    {
        Assert.True((await PutAsync("fa")).IsSuccess); // warm
        await AddRuleAsync("""{"stream":"fa","latencyMs":300}""");
        var clock = Stopwatch.StartNew();
        var r = await PutAsync("fa");
        Assert.True(r.IsSuccess, r.ToString());
        Assert.True(clock.ElapsedMilliseconds >= 300, $"took {clock.ElapsedMilliseconds} ms");

        await AddRuleAsync("""{"stream":"fb","latencyMs":100,"latencyMaxMs":200}""");
        clock.Restart();
        Assert.True((await PutAsync("fb")).IsSuccess);
        Assert.True(clock.ElapsedMilliseconds >= 100, $"took {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Throttling_switches_on_and_off_at_run_time()
    {
        Assert.True((await PutAsync("fa")).IsSuccess);
        var id = await AddRuleAsync("""{"stream":"fa","throttle":true}""");

        var put = await PutAsync("fa");
        Assert.Equal(HttpStatusCode.BadRequest, put.Status);
        Assert.Equal("ProvisionedThroughputExceededException", put.ErrorType);
        Assert.Equal("Rate exceeded for shard shardId-000000000000 in stream fa under account 000000000000.", put.ErrorMessage);
        var iterator = await KinesisJson.CallAsync(Endpoint, "GetShardIterator", new { StreamName = "fa", ShardId = "shardId-000000000001", ShardIteratorType = "TRIM_HORIZON" });
        Assert.Equal("Rate exceeded for shard shardId-000000000001 in stream fa under account 000000000000.", iterator.ErrorMessage);
        // control-plane calls and other streams are not throttled
        Assert.True((await KinesisJson.CallAsync(Endpoint, "DescribeStreamSummary", new { StreamName = "fa" })).IsSuccess);
        Assert.True((await PutAsync("fb")).IsSuccess);

        Assert.Equal(HttpStatusCode.NoContent, await RemoveRuleAsync(id));
        Assert.True((await PutAsync("fa")).IsSuccess);
        Assert.Equal(0, (await ListRulesAsync()).GetArrayLength());
    }

    [Fact]
    public async Task Removal_and_clear_restore_normal_behaviour()
    {
        var a = await AddRuleAsync("""{"stream":"fa","error":"LimitExceededException"}""");
        await AddRuleAsync("""{"error":"ExpiredIteratorException","action":"GetRecords"}""");
        var limited = await PutAsync("fa");
        Assert.Equal("LimitExceededException", limited.ErrorType);
        Assert.Equal("Rate exceeded for stream fa under account 000000000000.", limited.ErrorMessage);
        Assert.Equal(HttpStatusCode.NoContent, await RemoveRuleAsync(a));
        Assert.Equal(HttpStatusCode.NotFound, await RemoveRuleAsync(a));
        Assert.True((await PutAsync("fa")).IsSuccess);

        var it = (await KinesisJson.CallOkAsync(Endpoint, "GetShardIterator", new { StreamName = "fa", ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" }))
            .GetProperty("ShardIterator").GetString();
        var expired = await KinesisJson.CallAsync(Endpoint, "GetRecords", new { ShardIterator = it });
        Assert.Equal("ExpiredIteratorException", expired.ErrorType);
        Assert.StartsWith("Iterator expired.", expired.ErrorMessage);

        using (var cleared = await AdminAsync(HttpMethod.Delete))
            Assert.Equal(1, JsonDocument.Parse(cleared.Body).RootElement.GetProperty("removed").GetInt32());
        Assert.True((await KinesisJson.CallAsync(Endpoint, "GetRecords", new { ShardIterator = it })).IsSuccess);
    }

    [Fact]
    public async Task Count_and_expiry_end_a_rule_by_themselves()
    {
        await AddRuleAsync("""{"stream":"fa","error":"InternalFailure","count":2}""");
        Assert.False((await PutAsync("fa")).IsSuccess);
        Assert.False((await PutAsync("fa")).IsSuccess);
        Assert.True((await PutAsync("fa")).IsSuccess);

        await AddRuleAsync("""{"stream":"fa","error":"InternalFailure","durationSeconds":0.5}""");
        Assert.False((await PutAsync("fa")).IsSuccess);
        await Task.Delay(700);
        Assert.True((await PutAsync("fa")).IsSuccess);
        Assert.Equal(0, (await ListRulesAsync()).GetArrayLength());
    }

    [Theory]
    [InlineData("""{"stream":"fa"}""", "at least one effect")]
    [InlineData("""{"error":"NoSuchError"}""", "Unknown error")]
    [InlineData("""{"error":"InternalFailure","rate":1.5}""", "rate")]
    [InlineData("""{"error":"InternalFailure","action":"Frobnicate"}""", "Unknown action")]
    [InlineData("""{"throttle":true,"colour":"red"}""", "Unknown member")]
    [InlineData("""not json""", "")]
    public async Task Bad_rules_are_refused_with_400(string json, string reason)
    {
        using var response = await AdminAsync(HttpMethod.Post, json: json);
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Contains(reason, JsonDocument.Parse(response.Body).RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task The_cli_drives_the_admin_endpoint()
    {
        var endpoint = Endpoint.ToString().TrimEnd('/');
        var add = await EddyAsync("faults", "add", "--endpoint", endpoint, "--stream", "fa", "--action", "PutRecord", "--error", "InternalFailure", "--rate", "1", "--for", "60");
        Assert.True(add.Succeeded, add.Describe());
        var id = add.StdOut.Trim();
        Assert.Equal("InternalFailure", (await PutAsync("fa")).ErrorType);

        var list = await EddyAsync("faults", "list", "--endpoint", endpoint);
        Assert.True(list.Succeeded, list.Describe());
        var rule = Assert.Single(JsonDocument.Parse(list.StdOut).RootElement.GetProperty("rules").EnumerateArray());
        Assert.Equal(id, rule.GetProperty("id").GetString());
        Assert.Equal(60, rule.GetProperty("durationSeconds").GetDouble());

        var remove = await EddyAsync("faults", "remove", id, "--endpoint", endpoint);
        Assert.True(remove.Succeeded, remove.Describe());
        Assert.True((await PutAsync("fa")).IsSuccess);
        var again = await EddyAsync("faults", "remove", id, "--endpoint", endpoint);
        Assert.False(again.Succeeded);
        Assert.Contains("No fault rule", again.StdErr);

        var throttle = await EddyAsync("faults", "add", "--endpoint", endpoint, "--stream", "fb", "--throttle", "--latency-ms", "50");
        Assert.True(throttle.Succeeded, throttle.Describe());
        Assert.Equal("ProvisionedThroughputExceededException", (await PutAsync("fb")).ErrorType);
        var clear = await EddyAsync("faults", "clear", "--endpoint", endpoint);
        Assert.True(clear.Succeeded, clear.Describe());
        Assert.True((await PutAsync("fb")).IsSuccess);

        var bad = await EddyAsync("faults", "add", "--endpoint", endpoint, "--error", "Nope");
        Assert.False(bad.Succeeded);
        Assert.Contains("Unknown error", bad.StdErr);
    }

    [Fact]
    public async Task Boto3_standard_retries_ride_out_a_throttle_until_it_ends()
    {
        // A count, not a duration: the interpreter's start-up time under load would make an expiry race the first call.
        await AddRuleAsync("""{"stream":"fa","action":"PutRecord","throttle":true,"count":3}""");
        const string script = """
            import sys, boto3
            from botocore.config import Config
            client = boto3.client("kinesis", endpoint_url=sys.argv[1],
                                  config=Config(retries={"mode": "standard", "max_attempts": 10}))
            r = client.put_record(StreamName="fa", Data=b"x", PartitionKey="k")
            print(r["ResponseMetadata"]["RetryAttempts"], r["ShardId"])
            """;
        var result = await ToolRunner.RunAsync("python3", ["-c", script, Endpoint.ToString()], new ToolRunOptions { Timeout = TimeSpan.FromMinutes(2) });
        Assert.True(result.Succeeded, result.Describe());
        Assert.True(result.StdOut.Trim().StartsWith("3 shardId-", StringComparison.Ordinal), result.Describe());
        Assert.Equal(0, (await ListRulesAsync()).GetArrayLength());
    }

    private static Task<ToolResult> EddyAsync(params string[] args) =>
        ToolRunner.RunAsync(EddyServer.DotnetHost(), [EddyServer.LocateEddyDll(), .. args]);
}

/// <summary>The rule engine on its own, with a controlled clock.</summary>
public sealed class FaultInjectorTests
{
    [Fact]
    public void Rules_expire_on_the_clock_and_count_down()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var faults = new FaultInjector(clock);
        faults.Add(new FaultSpec { Stream = "s", Error = ErrorCode.InternalFailure, Duration = TimeSpan.FromSeconds(10) });
        faults.Add(new FaultSpec { Error = ErrorCode.ServiceUnavailable, Count = 1, Actions = new HashSet<KinesisAction> { KinesisAction.ListStreams } });

        Assert.Equal(ErrorCode.InternalFailure, faults.Evaluate(KinesisAction.PutRecord, "s").Error);
        Assert.Null(faults.Evaluate(KinesisAction.PutRecord, "t").Error);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(faults.Evaluate(KinesisAction.PutRecord, "s").Error);

        Assert.Equal(ErrorCode.ServiceUnavailable, faults.Evaluate(KinesisAction.ListStreams, null).Error);
        Assert.Null(faults.Evaluate(KinesisAction.ListStreams, null).Error);
        Assert.Empty(faults.Rules);
    }

    [Fact]
    public void Latencies_add_up_and_the_oldest_refusing_rule_wins()
    {
        var faults = new FaultInjector();
        faults.Add(new FaultSpec { LatencyMs = 5 });
        faults.Add(new FaultSpec { LatencyMs = 7, Throttle = true });
        faults.Add(new FaultSpec { Error = ErrorCode.InternalFailure });

        var put = faults.Evaluate(KinesisAction.PutRecord, "s");
        Assert.Equal((12, ErrorCode.ProvisionedThroughputExceededException), (put.LatencyMs, put.Error));
        var describe = faults.Evaluate(KinesisAction.DescribeStream, "s");
        Assert.Equal((12, ErrorCode.InternalFailure), (describe.LatencyMs, describe.Error));
    }

    [Theory]
    [InlineData("arn:aws:kinesis:us-east-1:000000000000:stream/s1", "s1")]
    [InlineData("arn:aws:kinesis:us-east-1:000000000000:stream/s1/consumer/c:1700000000", "s1")]
    [InlineData("arn:aws:iam::000000000000:user/x", null)]
    public void Stream_names_come_from_arns(string arn, string? stream) => Assert.Equal(stream, RequestInfo.StreamOfArn(arn));
}
