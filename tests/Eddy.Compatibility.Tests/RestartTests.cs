using System.Text;
using Eddy.Testing;

namespace Eddy.Compatibility.Tests;

/// <summary>The kit's process control against the real server: SIGKILL loses no acknowledged record, SIGTERM stops it,
/// and a restart on the same data directory serves the same streams, shards and sequence numbers.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task Acknowledged_records_survive_sigkill_and_sigterm_restarts()
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { StateDelayMs = 50 });
        const string stream = "durable";
        await KinesisJson.CallOkAsync(server.Endpoint, "CreateStream", new { StreamName = stream, ShardCount = 2 });
        await KinesisJson.WaitForStreamStatusAsync(server.Endpoint, stream);

        var acknowledged = new Dictionary<string, List<(string Seq, string Data)>>();
        for (var batch = 0; batch < 4; batch++)
        {
            var entries = Enumerable.Range(0, 50).Select(i => new
            {
                Data = Convert.ToBase64String(Encoding.UTF8.GetBytes($"r{batch}-{i}")),
                PartitionKey = $"pk-{i % 7}",
            }).ToArray();
            var result = await KinesisJson.CallOkAsync(server.Endpoint, "PutRecords", new { StreamName = stream, Records = entries });
            Assert.Equal(0, result.GetProperty("FailedRecordCount").GetInt32());
            var i = 0;
            foreach (var r in result.GetProperty("Records").EnumerateArray())
            {
                var shard = r.GetProperty("ShardId").GetString()!;
                if (!acknowledged.TryGetValue(shard, out var list))
                {
                    acknowledged[shard] = list = [];
                }

                list.Add((r.GetProperty("SequenceNumber").GetString()!, $"r{batch}-{i}"));
                i++;
            }
        }

        var single = await KinesisJson.CallOkAsync(server.Endpoint, "PutRecord", new { StreamName = stream, PartitionKey = "last", Data = Convert.ToBase64String("last"u8.ToArray()) });
        acknowledged[single.GetProperty("ShardId").GetString()!].Add((single.GetProperty("SequenceNumber").GetString()!, "last"));

        server.Kill();
        Assert.False(server.IsRunning);
        await server.RestartAsync();
        await AssertAllPresentAsync(server.Endpoint, stream, acknowledged);

        var exitCode = await server.StopAsync();
        Assert.False(server.IsRunning, "the server must exit on SIGTERM");
        Assert.True(exitCode is 0 or 143, $"unexpected exit code {exitCode} after SIGTERM:\n{server.Output}");
        await server.RestartAsync();
        await AssertAllPresentAsync(server.Endpoint, stream, acknowledged);
        var summary = await KinesisJson.CallOkAsync(server.Endpoint, "DescribeStreamSummary", new { StreamName = stream });
        Assert.Equal("ACTIVE", summary.GetProperty("StreamDescriptionSummary").GetProperty("StreamStatus").GetString());
    }

    private static async Task AssertAllPresentAsync(Uri endpoint, string stream, Dictionary<string, List<(string Seq, string Data)>> expected)
    {
        foreach (var (shard, records) in expected)
        {
            var it = (await KinesisJson.CallOkAsync(endpoint, "GetShardIterator", new { StreamName = stream, ShardId = shard, ShardIteratorType = "TRIM_HORIZON" }))
                .GetProperty("ShardIterator").GetString();
            var got = new List<(string, string)>();
            for (var calls = 0; calls < 20 && it is not null; calls++)
            {
                var page = await KinesisJson.CallOkAsync(endpoint, "GetRecords", new { ShardIterator = it });
                var batch = page.GetProperty("Records").EnumerateArray()
                    .Select(r => (r.GetProperty("SequenceNumber").GetString()!, Encoding.UTF8.GetString(r.GetProperty("Data").GetBytesFromBase64())))
                    .ToList();
                got.AddRange(batch);
                it = page.TryGetProperty("NextShardIterator", out var next) ? next.GetString() : null;
                if (batch.Count == 0)
                {
                    break;
                }
            }

            Assert.Equal(records, got);
        }
    }
}
