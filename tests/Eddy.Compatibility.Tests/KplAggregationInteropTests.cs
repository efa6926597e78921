using System.Globalization;
using System.Text;
using System.Text.Json;
using Eddy.Client;
using Eddy.Client.Kinesis;
using Eddy.Functions.Firehose;
using Eddy.Producer;
using Eddy.Testing;
using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>KPL aggregation both ways with the npm module aws-kinesis-agg (clients/js/kpl-agg.mjs) over a real server:
/// what Eddy.Producer aggregates, aws-kinesis-agg de-aggregates; what aws-kinesis-agg aggregates, Eddy de-aggregates.</summary>
public sealed class KplAggregationInteropTests(EddyServerFixture fixture, ITestOutputHelper output) : IClassFixture<EddyServerFixture>
{
    [Fact]
    public async Task What_Eddy_Producer_aggregates_aws_kinesis_agg_deaggregates_at_the_same_sub_sequence_numbers()
    {
        using var client = new KinesisClient(new EddyClientOptions { Endpoint = fixture.Endpoint });
        var stream = await CreateStreamAsync(client, "from-eddy");
        List<(string Key, string? HashKey, string Data, Task<UserRecordResult> Result)> sent = [];
        await using (var producer = new KinesisProducer(client))
        {
            for (var i = 0; i < 500; i++)
            {
                var key = "eddy-" + i.ToString(CultureInfo.InvariantCulture);
                var hashKey = i % 4 == 0 ? (UInt128.MaxValue / 1000 * (UInt128)i).ToString(CultureInfo.InvariantCulture) : null;
                var data = $"eddy record {i} " + new string('é', i % 7);
                sent.Add((key, hashKey, data, producer.AddUserRecordAsync(stream, key, Encoding.UTF8.GetBytes(data), hashKey)));
            }
        }

        using var read = JsonDocument.Parse(await NodeAsync("read", stream));
        var found = read.RootElement.EnumerateArray().ToDictionary(
            e => (e.GetProperty("shardId").GetString()!, e.GetProperty("sequenceNumber").GetString()!, e.GetProperty("subSequenceNumber").GetInt64()),
            e => (Key: e.GetProperty("partitionKey").GetString()!, HashKey: e.GetProperty("explicitHashKey").GetString(),
                Data: Encoding.UTF8.GetString(Convert.FromBase64String(e.GetProperty("data").GetString()!))));
        Assert.Equal(sent.Count, found.Count);
        foreach (var (key, hashKey, data, task) in sent)
        {
            var result = await task;
            Assert.True(found.TryGetValue((result.ShardId, result.SequenceNumber, result.SubSequenceNumber), out var user), $"{key} not at {result}");
            Assert.Equal((key, data), (user.Key, user.Data));
            // aws-kinesis-agg reads an absent explicit_hash_key_index as 0 (protobufjs' default), so it names the table's
            // first key for a record that has none; the index is really absent (AggregationTests checks the bytes)
            if (hashKey is not null) Assert.Equal(hashKey, user.HashKey);
        }
        Assert.Contains(sent, s => s.Result.Result.SubSequenceNumber > 0);
    }

    [Fact]
    public async Task What_aws_kinesis_agg_aggregates_Eddy_deaggregates()
    {
        using var client = new KinesisClient(new EddyClientOptions { Endpoint = fixture.Endpoint });
        var stream = await CreateStreamAsync(client, "from-node");
        const int count = 300;
        using var puts = JsonDocument.Parse(await NodeAsync("write", stream, count.ToString(CultureInfo.InvariantCulture)));
        // aws-kinesis-agg packs them into a few records (its outer partition key is the first user record's, not "a")
        Assert.InRange(puts.RootElement.GetArrayLength(), 1, count / 10);

        List<(string Key, string? HashKey, string Data, long Sub)> users = [];
        foreach (var (_, record) in await StreamContents.ReadAllAsync(client, stream))
        {
            var inside = KplDeaggregator.TryDeaggregate(record.Data);
            Assert.NotNull(inside);
            users.AddRange(inside.Select((u, sub) => (u.PartitionKey, u.ExplicitHashKey, Encoding.UTF8.GetString(u.Data.Span), (long)sub)));
        }

        Assert.Equal(count, users.Count);
        for (var i = 0; i < count; i++)
        {
            var user = Assert.Single(users, u => u.Key == $"node-{i}");
            Assert.Equal($"node record {i}", user.Data);
            Assert.Equal(i % 3 == 0 ? (new System.Numerics.BigInteger(i) * System.Numerics.BigInteger.Pow(10, 30)).ToString(CultureInfo.InvariantCulture) : null, user.HashKey);
        }
        // sub-sequence numbers run 0, 1, 2, … inside each aggregate, in the order aws-kinesis-agg packed them
        Assert.Equal(users.Count(u => u.Sub == 0), puts.RootElement.GetArrayLength());
    }

    private static async Task<string> CreateStreamAsync(KinesisClient client, string scenario)
    {
        var stream = ClientScripts.Prefix("kpl", scenario);
        await client.CreateStreamAsync(new CreateStreamRequest { StreamName = stream, ShardCount = 3 });
        for (var i = 0; i < 100; i++)
        {
            var summary = await client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = stream });
            if (summary.StreamDescriptionSummary.StreamStatus == "ACTIVE") return stream;
            await Task.Delay(50);
        }
        throw new TimeoutException($"{stream} did not become ACTIVE");
    }

    private async Task<string> NodeAsync(params string[] args)
    {
        await ClientScripts.EnsureNodeModulesAsync();
        var script = ClientScripts.Dir("js", "kpl-agg.mjs");
        Assert.True(ToolRunner.Which("node") is not null, "'node' is not on PATH; run ./test.sh (it installs the client tools) or install it.");
        var result = await ToolRunner.RunAsync("node", [script, args[0], fixture.Endpoint.ToString().TrimEnd('/'), .. args[1..]],
            new ToolRunOptions { WorkingDirectory = Path.GetDirectoryName(script), Timeout = TimeSpan.FromMinutes(2) });
        if (result.StdErr.Length > 0) output.WriteLine(result.StdErr);
        Assert.True(result.Succeeded, "kpl-agg.mjs " + args[0] + " failed:\n" + result.Describe());
        return result.StdOut;
    }
}
