using System.Net;
using Eddy.Client.Admin;
using Eddy.Client.Http;
using Eddy.Client.Kinesis;
using Eddy.Client.Retries;
using Eddy.Testing;

namespace Eddy.Client.Tests;

/// <summary>The admin client of <c>/_eddy/faults</c> against the real server, and the typed client's retries riding out
/// the faults it injects.</summary>
public sealed class FaultsClientTests : IAsyncLifetime
{
    private EddyServer _server = null!;
    private EddyHttp _http = null!;

    public async Task InitializeAsync()
    {
        _server = await EddyServer.StartAsync(new EddyServerOptions { StateDelayMs = 0, InMemory = true });
        _http = new EddyHttp(new EddyClientOptions { Endpoint = _server.Endpoint, Retry = new RetryOptions { Jitter = () => 0 } });
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Rules_are_added_listed_read_removed_and_cleared()
    {
        var faults = new FaultsClient(_http);
        var rule = await faults.AddAsync(new FaultRuleSpec { Stream = "s", Actions = ["PutRecord", "PutRecords"], Error = "InternalFailure", Rate = 0.5, Seed = 7, Count = 3 });
        Assert.Equal(("s", "InternalFailure", 0.5, 3), (rule.Stream, rule.Error, rule.Rate, rule.Remaining));
        Assert.Equal(["PutRecord", "PutRecords"], rule.Actions);
        var throttle = await faults.AddAsync(new FaultRuleSpec { Throttle = true, DurationSeconds = 60 });
        Assert.Equal(("*", "*"), (throttle.Stream, Assert.Single(throttle.Actions)));
        Assert.NotNull(throttle.ExpiresAt);

        Assert.Equal([rule.Id, throttle.Id], (await faults.ListAsync()).Select(r => r.Id));
        Assert.Contains(rule.Id, await faults.ListJsonAsync(), StringComparison.Ordinal);
        Assert.Equal(rule.Id, (await faults.GetAsync(rule.Id)).Id);
        await faults.RemoveAsync(rule.Id);
        var missing = await Assert.ThrowsAsync<EddyServiceException>(() => faults.RemoveAsync(rule.Id));
        Assert.Equal((HttpStatusCode.NotFound, $"No fault rule {rule.Id}."), (missing.Status, missing.ErrorMessage));
        var bad = await Assert.ThrowsAsync<EddyServiceException>(() => faults.AddAsync(new FaultRuleSpec { Error = "Nope" }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("Unknown error", bad.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(1, await faults.ClearAsync());
        Assert.Empty(await faults.ListAsync());
    }

    [Fact]
    public async Task Standard_retries_ride_out_injected_throttling_and_server_errors()
    {
        using var kinesis = new KinesisClient(_http);
        await kinesis.CreateStreamAsync(new CreateStreamRequest { StreamName = "r", ShardCount = 1 });
        var faults = new FaultsClient(_http);

        await faults.AddAsync(new FaultRuleSpec { Stream = "r", Actions = ["PutRecord"], Throttle = true, Count = 2 });
        var put = await kinesis.PutRecordAsync(new PutRecordRequest { StreamName = "r", PartitionKey = "k", Data = [1] });
        Assert.Equal("shardId-000000000000", put.ShardId);

        await faults.AddAsync(new FaultRuleSpec { Stream = "r", Error = "ServiceUnavailable", Count = 2 });
        using var answer = await _http.SendAsync(KinesisOperations.Target(KinesisOperations.DescribeStreamSummary), """{"StreamName":"r"}"""u8.ToArray());
        Assert.Equal((HttpStatusCode.OK, 3), (answer.Status, answer.Attempts));

        await faults.AddAsync(new FaultRuleSpec { Stream = "r", Error = "InternalFailure", Count = 3 });
        var e = await Assert.ThrowsAsync<EddyServiceException>(() => kinesis.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = "r" }));
        Assert.Equal(("InternalFailure", HttpStatusCode.InternalServerError), (e.ErrorType, e.Status));
        Assert.Empty(await faults.ListAsync()); // every rule fired its count: three attempts each
    }
}
