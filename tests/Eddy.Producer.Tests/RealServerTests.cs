using System.Globalization;
using System.Text;
using Eddy.Client;
using Eddy.Client.Kinesis;
using Eddy.Functions.Firehose;
using Eddy.Testing;

namespace Eddy.Producer.Tests;

/// <summary>The producer against a real Eddy server (in process, over loopback): every acknowledged user record is read
/// back, de-aggregated, at its shard, sequence number and sub-sequence number, across a split the producer learns of
/// from its results.</summary>
public sealed class RealServerTests
{
    [Fact]
    public async Task Every_acknowledged_record_is_read_back_at_its_sub_sequence_number_across_a_reshard()
    {
        await using var server = await InProcessServer.StartAsync();
        using var client = new KinesisClient(new EddyClientOptions { Endpoint = server.Endpoint });
        const string stream = "producer-reshard";
        await client.CreateStreamAsync(new CreateStreamRequest { StreamName = stream, ShardCount = 2 });

        List<(string Key, byte[] Data, Task<UserRecordResult> Result)> sent = [];
        await using (var producer = new KinesisProducer(client))
        {
            for (var i = 0; i < 3000; i++)
            {
                Add(producer, i);
            }
            await producer.FlushAsync();

            // split shard 0 in the middle of its range; the producer's map still has the parent
            var shards = (await client.ListShardsAsync(new ListShardsRequest { StreamName = stream })).Shards!;
            var parent = shards[0];
            var middle = (UInt128.Parse(parent.HashKeyRange.StartingHashKey, CultureInfo.InvariantCulture) + UInt128.Parse(parent.HashKeyRange.EndingHashKey, CultureInfo.InvariantCulture)) / 2;
            await client.SplitShardAsync(new SplitShardRequest { StreamName = stream, ShardToSplit = parent.ShardId, NewStartingHashKey = middle.ToString(CultureInfo.InvariantCulture) });

            for (var i = 3000; i < 6000; i++)
            {
                Add(producer, i);
            }
        }

        var stored = await ReadAllAsync(client, stream);
        var shardIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, data, task) in sent)
        {
            var result = await task;
            shardIds.Add(result.ShardId);
            Assert.True(stored.TryGetValue((result.ShardId, result.SequenceNumber, result.SubSequenceNumber), out var found),
                $"{key}: nothing at {result.ShardId} {result.SequenceNumber} {result.SubSequenceNumber}");
            Assert.Equal(key, found.Key);
            Assert.Equal(data, found.Data);
        }
        Assert.Equal(4, shardIds.Count); // both parents before the split, the open parent and both children after
        Assert.True(sent.Select(s => s.Result.Result.SubSequenceNumber).Max() > 0, "nothing was aggregated");

        void Add(KinesisProducer producer, int i)
        {
            var key = "user-" + i.ToString(CultureInfo.InvariantCulture);
            var data = Encoding.UTF8.GetBytes($"record {i} " + new string('x', i % 50));
            sent.Add((key, data, producer.AddUserRecordAsync(stream, key, data)));
        }
    }

    /// <summary>Every record of every shard (closed ones included), de-aggregated: (shard, sequence, sub-sequence) → (key, data).</summary>
    private static async Task<Dictionary<(string, string, long), (string Key, byte[] Data)>> ReadAllAsync(KinesisClient client, string stream)
    {
        Dictionary<(string, string, long), (string, byte[])> records = [];
        foreach (var (shardId, record) in await StreamContents.ReadAllAsync(client, stream))
        {
            var users = KplDeaggregator.TryDeaggregate(record.Data);
            if (users is null)
            {
                records[(shardId, record.SequenceNumber, 0)] = (record.PartitionKey, record.Data);
                continue;
            }
            for (var sub = 0; sub < users.Count; sub++)
            {
                records[(shardId, record.SequenceNumber, sub)] = (users[sub].PartitionKey, users[sub].Data.ToArray());
            }
        }
        return records;
    }
}
