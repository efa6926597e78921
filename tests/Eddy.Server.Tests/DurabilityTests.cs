using System.Collections.Concurrent;
using System.Numerics;
using Eddy.Testing;

namespace Eddy.Server.Tests;

/// <summary>Crash consistency over the wire: kill -9 under load, torn segment tails, resharding under load.</summary>
public class DurabilityTests
{
    private sealed record Ack(string Data, string ShardId, BigInteger SequenceNumber);

    /// <summary>Producers put batches until stopped; every acknowledged record is kept in <paramref name="acks"/>.</summary>
    private static async Task ProduceAsync(Uri endpoint, string stream, int producer, int batch, ConcurrentBag<Ack> acks, CancellationToken stop, Func<int, string>? key = null)
    {
        var n = 0;
        while (!stop.IsCancellationRequested)
        {
            var data = Enumerable.Range(0, batch).Select(i => $"p{producer}-{n + i}").ToList();
            var entries = data.Select((d, i) => WireReader.Entry(key?.Invoke(n + i) ?? d, d)).ToArray();
            n += batch;
            KinesisJsonResponse response;
            try
            {
                response = await KinesisJson.CallAsync(endpoint, "PutRecords", new { StreamName = stream, Records = entries });
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                return; // the server went away: this batch was never acknowledged
            }
            if (!response.IsSuccess) return;
            var records = response.Json.GetProperty("Records").EnumerateArray().ToList();
            for (var i = 0; i < records.Count; i++)
                acks.Add(new Ack(data[i], records[i].GetProperty("ShardId").GetString()!, BigInteger.Parse(records[i].GetProperty("SequenceNumber").GetString()!)));
        }
    }

    [Fact]
    public async Task Kill_9_mid_load_loses_no_acknowledged_record()
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { StateDelayMs = 0 });
        var endpoint = server.Endpoint;
        await KinesisJson.CallOkAsync(endpoint, "CreateStream", new { StreamName = "crash", ShardCount = 4 });
        await KinesisJson.WaitForStreamStatusAsync(endpoint, "crash");

        var acks = new ConcurrentBag<Ack>();
        using var stop = new CancellationTokenSource();
        var producers = Enumerable.Range(0, 4).Select(p => Task.Run(() => ProduceAsync(endpoint, "crash", p, 100, acks, stop.Token))).ToArray();
        for (var i = 0; i < 200 && acks.Count < 5000; i++) await Task.Delay(10);
        server.Kill();
        stop.Cancel();
        await Task.WhenAll(producers);
        Assert.True(acks.Count > 0, "no record was acknowledged before the kill");

        await server.RestartAsync();
        await AssertEveryAcknowledgedRecordOnceAsync(server.Endpoint, "crash", acks);
        // and the server keeps working on the recovered data
        await KinesisJson.CallOkAsync(server.Endpoint, "PutRecord", new { StreamName = "crash", PartitionKey = "after", Data = "YWZ0ZXI=" });
    }

    /// <summary>
    /// Graceful shutdown: SIGTERM under PutRecords load, with one PutRecords held in flight (a fault rule's 4 s latency,
    /// longer than System.CommandLine's 2 s termination timeout, which used to end the process in the middle of the
    /// shutdown with exit code 143 and drop that request). The server stops accepting, lets the in-flight call finish
    /// and be answered, flushes and closes the store, prints "Eddy stopped" and exits 0 within a bound; after a restart
    /// every acknowledged record is there.
    /// </summary>
    [Fact]
    public async Task Sigterm_under_load_answers_in_flight_puts_flushes_and_exits_0()
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { StateDelayMs = 0 });
        var endpoint = server.Endpoint;
        await KinesisJson.CallOkAsync(endpoint, "CreateStream", new { StreamName = "term", ShardCount = 4 });
        await KinesisJson.CallOkAsync(endpoint, "CreateStream", new { StreamName = "held", ShardCount = 1 });
        await KinesisJson.WaitForStreamStatusAsync(endpoint, "term");
        await KinesisJson.WaitForStreamStatusAsync(endpoint, "held");
        using var admin = new HttpClient { BaseAddress = endpoint };
        using (var added = await admin.PostAsync("/_eddy/faults", new StringContent(
            """{"stream":"held","actions":["PutRecords"],"latencyMs":4000,"count":1}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
        }

        var acks = new ConcurrentBag<Ack>();
        using var stop = new CancellationTokenSource();
        var producers = Enumerable.Range(0, 4).Select(p => Task.Run(() => ProduceAsync(endpoint, "term", p, 100, acks, stop.Token))).ToArray();
        var held = KinesisJson.CallAsync(endpoint, "PutRecords", new { StreamName = "held", Records = new[] { WireReader.Entry("held", "held-1") } });
        // The rule fires once and is then removed: once it is gone, the held call is inside its latency wait.
        for (var i = 0; i < 500 && (await admin.GetStringAsync("/_eddy/faults")).Contains("held", StringComparison.Ordinal); i++) await Task.Delay(10);
        Assert.DoesNotContain("held", await admin.GetStringAsync("/_eddy/faults"), StringComparison.Ordinal);
        for (var i = 0; i < 200 && acks.Count < 2000; i++) await Task.Delay(10);

        var exitCode = await server.StopAsync(TimeSpan.FromSeconds(30)); // SIGTERM; throws if it has not exited by then
        stop.Cancel();
        await Task.WhenAll(producers);
        var heldAnswer = await held;
        Assert.Equal(0, exitCode);
        Assert.Contains("Eddy stopped", server.Output, StringComparison.Ordinal);
        Assert.True(heldAnswer.IsSuccess, $"the PutRecords in flight at SIGTERM was not answered: {heldAnswer}");
        Assert.Equal(0, heldAnswer.Json.GetProperty("FailedRecordCount").GetInt32());
        Assert.True(acks.Count > 0, "no record was acknowledged before SIGTERM");

        await server.RestartAsync();
        await AssertEveryAcknowledgedRecordOnceAsync(server.Endpoint, "term", acks);
        var kept = await WireReader.ReadStreamParentsFirstAsync(server.Endpoint, "held");
        Assert.Equal(["held-1"], kept.Select(r => r.Data));
    }

    /// <summary>Every acknowledged record is read back exactly once, under the shard and sequence number it was
    /// acknowledged with, each shard in order; no record (acknowledged or not) appears twice.</summary>
    private static async Task AssertEveryAcknowledgedRecordOnceAsync(Uri endpoint, string stream, IReadOnlyCollection<Ack> acks)
    {
        var read = await WireReader.ReadStreamParentsFirstAsync(endpoint, stream);
        var seen = read.GroupBy(r => r.Data).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(seen, kv => Assert.Equal(1, kv.Value)); // nothing twice, acknowledged or not
        var missing = acks.Where(a => !seen.ContainsKey(a.Data)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {acks.Count} acknowledged records were lost (first: {string.Join(", ", missing.Take(3))})");
        var where = read.ToDictionary(r => r.Data);
        Assert.All(acks, a => Assert.Equal((a.ShardId, a.SequenceNumber), (where[a.Data].ShardId, where[a.Data].SequenceNumber)));
        foreach (var shard in read.GroupBy(r => r.ShardId))
        {
            var numbers = shard.Select(r => r.SequenceNumber).ToList();
            Assert.True(numbers.Zip(numbers.Skip(1)).All(p => p.First < p.Second), $"{shard.Key} is out of order");
        }
    }

    /// <summary>
    /// Resharding is one durable step: kill -9 at seeded moments while UpdateShardCount runs under load (before, child
    /// shards acknowledged writes before the catalog listed them, and a restart lost those records).
    /// </summary>
    [Fact]
    public async Task Kill_9_during_UpdateShardCount_under_load_loses_no_acknowledged_record()
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { StateDelayMs = 0 });
        await KinesisJson.CallOkAsync(server.Endpoint, "CreateStream", new { StreamName = "rescale", ShardCount = 4 });
        var acks = new ConcurrentBag<Ack>();
        var random = new Random(7);
        var open = 4;
        for (var round = 0; round < 6; round++)
        {
            var target = open >= 6 ? (open + 1) / 2 : open * 2; // within AWS's [half, double] of the open count
            var endpoint = server.Endpoint;
            using var stop = new CancellationTokenSource();
            var producers = Enumerable.Range(0, 4).Select(p => Task.Run(() => ProduceAsync(endpoint, "rescale", round * 10 + p, 50, acks, stop.Token))).ToArray();
            var before = acks.Count;
            for (var i = 0; i < 200 && acks.Count < before + 1000; i++) await Task.Delay(5);
            var rescale = KinesisJson.CallAsync(endpoint, "UpdateShardCount", new { StreamName = "rescale", TargetShardCount = target, ScalingType = "UNIFORM_SCALING" });
            await Task.Delay(random.Next(0, 25));
            server.Kill();
            stop.Cancel();
            await Task.WhenAll(producers);
            try { await rescale; } catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException) { }

            await server.RestartAsync();
            var summary = (await KinesisJson.CallOkAsync(server.Endpoint, "DescribeStreamSummary", new { StreamName = "rescale" })).GetProperty("StreamDescriptionSummary");
            Assert.Equal("ACTIVE", summary.GetProperty("StreamStatus").GetString());
            open = summary.GetProperty("OpenShardCount").GetInt32();
            await AssertEveryAcknowledgedRecordOnceAsync(server.Endpoint, "rescale", acks);
        }
        Assert.True(acks.Count > 0, "no record was acknowledged");
    }

    /// <summary>Once SplitShard or UpdateShardCount is acknowledged, the reshard happens, even if the server dies while
    /// the stream is still UPDATING (before, the stream came back ACTIVE with the old shards).</summary>
    [Theory]
    [InlineData("SplitShard")]
    [InlineData("UpdateShardCount")]
    [InlineData("MergeShards")]
    public async Task An_acknowledged_reshard_survives_kill_9_within_the_state_delay(string action)
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { StateDelayMs = 600_000 });
        await KinesisJson.CallOkAsync(server.Endpoint, "CreateStream", new { StreamName = "slow", ShardCount = 2 });
        server.Kill();
        await server.RestartAsync(); // the creation completes at start: ACTIVE without waiting ten minutes
        await KinesisJson.WaitForStreamStatusAsync(server.Endpoint, "slow");
        await KinesisJson.CallOkAsync(server.Endpoint, "PutRecord", new { StreamName = "slow", PartitionKey = "k", Data = "YQ==", ExplicitHashKey = "0" });

        object request = action switch
        {
            "SplitShard" => new { StreamName = "slow", ShardToSplit = "shardId-000000000000", NewStartingHashKey = "1000" },
            "MergeShards" => new { StreamName = "slow", ShardToMerge = "shardId-000000000000", AdjacentShardToMerge = "shardId-000000000001" },
            _ => new { StreamName = "slow", TargetShardCount = 4, ScalingType = "UNIFORM_SCALING" },
        };
        await KinesisJson.CallOkAsync(server.Endpoint, action, request);
        await KinesisJson.WaitForStreamStatusAsync(server.Endpoint, "slow", "UPDATING");
        server.Kill();
        await server.RestartAsync();

        var summary = (await KinesisJson.CallOkAsync(server.Endpoint, "DescribeStreamSummary", new { StreamName = "slow" })).GetProperty("StreamDescriptionSummary");
        Assert.Equal("ACTIVE", summary.GetProperty("StreamStatus").GetString());
        Assert.Equal(action switch { "SplitShard" => 3, "MergeShards" => 1, _ => 4 }, summary.GetProperty("OpenShardCount").GetInt32());
        var (records, ended) = await WireReader.ReadShardAsync(server.Endpoint, "slow", "shardId-000000000000");
        Assert.Equal(["a"], records.Select(r => r.Data));
        Assert.True(ended, "the parent shard must be closed");
    }

    private static string ActiveSegment(EddyServer server) =>
        Directory.GetFiles(Path.Combine(server.DataDir, "logs"), "*.log", SearchOption.AllDirectories).OrderBy(f => f).Last();

    [Theory]
    [InlineData("garbage")]
    [InlineData("half-frame")]
    public async Task A_torn_tail_is_truncated_at_start_up_and_everything_before_it_is_served(string damage)
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { StateDelayMs = 0 });
        await KinesisJson.CallOkAsync(server.Endpoint, "CreateStream", new { StreamName = "torn", ShardCount = 1 });
        await KinesisJson.WaitForStreamStatusAsync(server.Endpoint, "torn");
        for (var i = 0; i < 20; i++)
            await KinesisJson.CallOkAsync(server.Endpoint, "PutRecord", new { StreamName = "torn", PartitionKey = "k", Data = Convert.ToBase64String(new byte[100 + i]) });
        await server.StopAsync();

        var segment = ActiveSegment(server);
        var expected = 20;
        if (damage == "garbage")
        {
            await using var f = new FileStream(segment, FileMode.Append);
            f.Write([0x37, 0x13, 0xFF, 0x00, 0x42, 0x42, 0x42, 0x42, 0x01, 0x02, 0x03]);
        }
        else
        {
            // a write torn in the middle of the last frame: that record was never fully on disk
            await using var f = new FileStream(segment, FileMode.Open);
            f.SetLength(f.Length - 60);
            expected = 19;
        }

        await server.RestartAsync();
        Assert.Contains("Recovery: log ", server.Output, StringComparison.Ordinal); // the store says what it cut off
        var (records, _) = await WireReader.ReadShardAsync(server.Endpoint, "torn", "shardId-000000000000");
        Assert.Equal(Enumerable.Range(0, expected).Select(i => 100 + i), records.Select(r => System.Text.Encoding.UTF8.GetByteCount(r.Data)));
        await KinesisJson.CallOkAsync(server.Endpoint, "PutRecord", new { StreamName = "torn", PartitionKey = "k", Data = "bmV3" });
        var (after, _) = await WireReader.ReadShardAsync(server.Endpoint, "torn", "shardId-000000000000");
        Assert.Equal(expected + 1, after.Count);
        Assert.Equal("new", after[^1].Data);
    }

    [Fact]
    public async Task Split_and_merge_under_load_keep_every_key_in_order_once()
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { StateDelayMs = 50 });
        var endpoint = server.Endpoint;
        await KinesisJson.CallOkAsync(endpoint, "CreateStream", new { StreamName = "reshard", ShardCount = 2 });
        await KinesisJson.WaitForStreamStatusAsync(endpoint, "reshard");

        var acks = new ConcurrentBag<Ack>();
        using var stop = new CancellationTokenSource();
        // data "p<producer>-<n>", key "key<n % 16>": per producer and key, n increases with acknowledgement order.
        var producers = Enumerable.Range(0, 3).Select(p => Task.Run(() => ProduceAsync(endpoint, "reshard", p, 20, acks, stop.Token, n => "key" + n % 16))).ToArray();
        await Task.Delay(200);
        await KinesisJson.CallOkAsync(endpoint, "SplitShard", new { StreamName = "reshard", ShardToSplit = "shardId-000000000000", NewStartingHashKey = "85070591730234615865843651857942052864" });
        await KinesisJson.WaitForStreamStatusAsync(endpoint, "reshard");
        await Task.Delay(200);
        await KinesisJson.CallOkAsync(endpoint, "MergeShards", new { StreamName = "reshard", ShardToMerge = "shardId-000000000003", AdjacentShardToMerge = "shardId-000000000001" });
        await KinesisJson.WaitForStreamStatusAsync(endpoint, "reshard");
        await KinesisJson.CallOkAsync(endpoint, "UpdateShardCount", new { StreamName = "reshard", TargetShardCount = 4, ScalingType = "UNIFORM_SCALING" });
        await KinesisJson.WaitForStreamStatusAsync(endpoint, "reshard");
        await Task.Delay(200);
        stop.Cancel();
        await Task.WhenAll(producers);

        var read = await WireReader.ReadStreamParentsFirstAsync(endpoint, "reshard");
        Assert.Equal(acks.Count, read.Count);
        Assert.Equal(acks.Select(a => a.Data).Order(), read.Select(r => r.Data).Order());
        Assert.True(read.Select(r => r.ShardId).Distinct().Count() >= 5, "records should span parents and children");
        foreach (var group in read.GroupBy(r => (Producer: r.Data.Split('-')[0], r.PartitionKey)))
        {
            var ns = group.Select(r => int.Parse(r.Data.Split('-')[1])).ToList();
            Assert.True(ns.Zip(ns.Skip(1)).All(p => p.First < p.Second), $"key {group.Key} out of order: {string.Join(",", ns)}");
        }
    }
}
