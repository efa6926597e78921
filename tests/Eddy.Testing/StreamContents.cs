using Eddy.Client.Kinesis;

namespace Eddy.Testing;

/// <summary>Reads a whole stream back through <see cref="KinesisClient"/>: every shard (closed ones too) from
/// TRIM_HORIZON to its end, or to its tip for an open shard.</summary>
public static class StreamContents
{
    /// <summary>Every record of every shard, in shard order then sequence order. Bounded: at most 1000 reads a shard.</summary>
    public static async Task<List<(string ShardId, Record Record)>> ReadAllAsync(KinesisClient client, string stream, CancellationToken cancellationToken = default)
    {
        List<(string, Record)> records = [];
        var shards = (await client.ListShardsAsync(new ListShardsRequest { StreamName = stream }, cancellationToken).ConfigureAwait(false)).Shards ?? [];
        foreach (var shard in shards)
        {
            var iterator = (await client.GetShardIteratorAsync(
                new GetShardIteratorRequest { StreamName = stream, ShardId = shard.ShardId, ShardIteratorType = "TRIM_HORIZON" }, cancellationToken).ConfigureAwait(false)).ShardIterator;
            for (var reads = 0; iterator is not null && reads < 1000; reads++)
            {
                var page = await client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator }, cancellationToken).ConfigureAwait(false);
                records.AddRange(page.Records.Select(r => (shard.ShardId, r)));
                if (page.Records.Count == 0 && page.MillisBehindLatest == 0) break;
                iterator = page.NextShardIterator;
            }
        }
        return records;
    }
}
