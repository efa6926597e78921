using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Eddy.Testing;

namespace Eddy.Server.Tests;

/// <summary>AWS's per-shard throughput limits and ON_DEMAND scaling, measured against a real server.</summary>
public class LimitsTests
{
    private static object Records(int count, int size, Func<int, string> key) =>
        Enumerable.Range(0, count).Select(i => new { PartitionKey = key(i), Data = Convert.ToBase64String(new byte[size]) }).ToArray();

    private static async Task<int> FailedAsync(Uri endpoint, string stream, int count, int size)
    {
        var r = await KinesisJson.CallOkAsync(endpoint, "PutRecords", new { StreamName = stream, Records = Records(count, size, i => "k" + i) });
        var failed = r.GetProperty("FailedRecordCount").GetInt32();
        foreach (var rec in r.GetProperty("Records").EnumerateArray().Where(x => x.TryGetProperty("ErrorCode", out _)))
        {
            Assert.Equal("ProvisionedThroughputExceededException", rec.GetProperty("ErrorCode").GetString());
            Assert.Equal($"Rate exceeded for shard shardId-000000000000 in stream {stream} under account 000000000000.", rec.GetProperty("ErrorMessage").GetString());
        }
        return failed;
    }

    [Fact]
    public async Task A_producer_above_one_MiB_per_second_on_a_shard_is_throttled_and_one_below_is_not()
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { StateDelayMs = 0, ExtraArgs = ["--shard-limits", "aws"] });
        var e = server.Endpoint;
        await KinesisJson.CallOkAsync(e, "CreateStream", new { StreamName = "hot", ShardCount = 1 });
        await KinesisJson.CallOkAsync(e, "CreateStream", new { StreamName = "calm", ShardCount = 1 });
        await KinesisJson.WaitForStreamStatusAsync(e, "hot");
        await KinesisJson.WaitForStreamStatusAsync(e, "calm");

        // Above the limit: 3 MiB offered within about a second; about 1 MiB (the burst) plus the refill gets through.
        var failed = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 6; i++) failed += await FailedAsync(e, "hot", 50, 10 * 1024);
        var offered = 6 * 50;
        Assert.True(failed > 0, "no record was throttled above the limit");
        var admittedBytes = (offered - failed) * 10.0 * 1024;
        var allowed = 1024 * 1024 * (1 + clock.Elapsed.TotalSeconds) + 10 * 1024;
        Assert.True(admittedBytes <= allowed, $"admitted {admittedBytes} bytes in {clock.Elapsed.TotalSeconds:0.00} s, the limit allows {allowed}");

        // Below the limit: 0.5 MiB/s for 3 s, never throttled.
        for (var i = 0; i < 6; i++)
        {
            var started = Stopwatch.GetTimestamp();
            Assert.Equal(0, await FailedAsync(e, "calm", 25, 10 * 1024)); // 250 KiB per half second
            var left = TimeSpan.FromMilliseconds(500) - Stopwatch.GetElapsedTime(started);
            if (left > TimeSpan.Zero) await Task.Delay(left);
        }

        // PutRecord above the limit fails as a whole call.
        KinesisJsonResponse? refused = null;
        for (var i = 0; i < 400 && refused is null; i++)
        {
            var r = await KinesisJson.CallAsync(e, "PutRecord", new { StreamName = "hot", PartitionKey = "k", Data = Convert.ToBase64String(new byte[64 * 1024]) });
            if (!r.IsSuccess) refused = r;
        }
        Assert.Equal("ProvisionedThroughputExceededException", refused?.ErrorType);
    }

    [Fact]
    public async Task A_reader_above_five_calls_per_second_is_throttled()
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { StateDelayMs = 0 });
        var e = server.Endpoint;
        // Limits off on this server: the stream's own tag turns them on.
        await KinesisJson.CallOkAsync(e, "CreateStream", new { StreamName = "read", ShardCount = 1, Tags = new Dictionary<string, string> { ["eddy:shard-limits"] = "aws" } });
        await KinesisJson.CallOkAsync(e, "CreateStream", new { StreamName = "free", ShardCount = 1 });
        await KinesisJson.WaitForStreamStatusAsync(e, "read");
        await KinesisJson.WaitForStreamStatusAsync(e, "free");

        async Task<int> ThrottledReads(string stream, int calls)
        {
            var it = (await KinesisJson.CallOkAsync(e, "GetShardIterator", new { StreamName = stream, ShardId = "shardId-000000000000", ShardIteratorType = "LATEST" }))
                .GetProperty("ShardIterator").GetString();
            var throttled = 0;
            for (var i = 0; i < calls; i++)
            {
                var r = await KinesisJson.CallAsync(e, "GetRecords", new { ShardIterator = it });
                if (r.IsSuccess)
                {
                    it = r.Json.GetProperty("NextShardIterator").GetString();
                }
                else
                {
                    Assert.Equal("ProvisionedThroughputExceededException", r.ErrorType);
                    throttled++;
                }
            }
            return throttled;
        }

        var clock = Stopwatch.StartNew();
        var throttled = await ThrottledReads("read", 20);
        Assert.True(throttled > 0 && clock.Elapsed < TimeSpan.FromSeconds(3), $"20 reads in {clock.Elapsed.TotalSeconds:0.00} s: {throttled} throttled");
        Assert.Equal(0, await ThrottledReads("free", 20));
    }

    [Fact]
    public async Task A_sustained_hot_on_demand_stream_grows_and_keeps_every_key_in_order()
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { StateDelayMs = 0 });
        var e = server.Endpoint;
        await KinesisJson.CallOkAsync(e, "CreateStream", new { StreamName = "auto", StreamModeDetails = new { StreamMode = "ON_DEMAND" } });
        await KinesisJson.WaitForStreamStatusAsync(e, "auto");

        // About 4 MiB/s over 4 shards (each near its 1 MiB/s) for up to 10 s, until the stream has grown.
        var sent = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        async Task Producer(int p)
        {
            for (var n = 0; !stop.IsCancellationRequested; n += 50)
            {
                var batch = Enumerable.Range(n, 50).Select(i => new { PartitionKey = $"p{p}-k{i % 40}", Data = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"p{p}-{i}-".PadRight(8 * 1024, '.'))) }).ToArray();
                var r = await KinesisJson.CallOkAsync(e, "PutRecords", new { StreamName = "auto", Records = batch });
                Assert.Equal(0, r.GetProperty("FailedRecordCount").GetInt32());
                foreach (var b in batch) sent.Add(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(b.Data)).TrimEnd('.'));
                await Task.Delay(40);
            }
        }
        var producers = Enumerable.Range(0, 4).Select(p => Task.Run(() => Producer(p))).ToArray();
        JsonElement summary = default;
        for (var i = 0; i < 100; i++)
        {
            await Task.Delay(100);
            summary = (await KinesisJson.CallOkAsync(e, "DescribeStreamSummary", new { StreamName = "auto" })).GetProperty("StreamDescriptionSummary");
            if (summary.GetProperty("OpenShardCount").GetInt32() > 4) break;
        }
        await stop.CancelAsync();
        await Task.WhenAll(producers);
        Assert.True(summary.GetProperty("OpenShardCount").GetInt32() > 4, $"the stream did not grow: {summary}");
        Assert.False(string.IsNullOrEmpty(summary.GetProperty("EddyOnDemandScaling").GetProperty("Reason").GetString()), "the scaling decision is reported");

        var read = await WireReader.ReadStreamParentsFirstAsync(e, "auto");
        Assert.Equal(sent.Order(), read.Select(r => r.Data.TrimEnd('.')).Order());
        foreach (var key in read.GroupBy(r => r.PartitionKey))
        {
            var ns = key.Select(r => int.Parse(r.Data.Split('-')[1])).ToList();
            Assert.True(ns.Zip(ns.Skip(1)).All(x => x.First < x.Second), $"{key.Key} out of order");
        }
    }
}

public class ControlPlaneLimitTests
{
    [Fact]
    public async Task Control_plane_calls_above_their_rate_get_LimitExceeded()
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { StateDelayMs = 0, ExtraArgs = ["--shard-limits", "aws"] });
        var e = server.Endpoint;
        await KinesisJson.CallOkAsync(e, "CreateStream", new { StreamName = "cp", ShardCount = 1 });
        // A burst far above the rate, all in flight at once: it cannot be spread out enough to refill (DescribeLimits
        // allows 1 call/s per account, ListTagsForStream 5/s); the rates themselves are pinned with a fake clock in
        // ControlPlaneLimitsTests.
        var limits = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => KinesisJson.CallAsync(e, "DescribeLimits", new { })));
        var refused = limits.Where(r => !r.IsSuccess).ToList();
        Assert.InRange(refused.Count, 1, 19);
        Assert.All(refused, r => Assert.Equal(("LimitExceededException", "Rate exceeded for account 000000000000."), (r.ErrorType, r.ErrorMessage)));
        var tags = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => KinesisJson.CallAsync(e, "ListTagsForStream", new { StreamName = "cp" })));
        var limited = tags.Where(r => !r.IsSuccess).ToList();
        Assert.NotEmpty(limited);
        Assert.All(limited, r => Assert.Equal("Rate exceeded for stream cp under account 000000000000.", r.ErrorMessage));
    }
}
