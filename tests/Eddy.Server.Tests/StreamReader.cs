using System.Numerics;
using System.Text;
using System.Text.Json;
using Eddy.Testing;

namespace Eddy.Server.Tests;

/// <summary>One record as read back over the wire.</summary>
internal sealed record WireRecord(string ShardId, BigInteger SequenceNumber, string PartitionKey, string Data);

/// <summary>Reads whole streams over the wire, the way KCL does: every shard to its end, parents before children.</summary>
internal static class WireReader
{
    public static async Task<List<JsonElement>> ListAllShardsAsync(Uri endpoint, string stream)
    {
        var shards = new List<JsonElement>();
        var page = await KinesisJson.CallOkAsync(endpoint, "ListShards", new { StreamName = stream });
        while (true)
        {
            shards.AddRange(page.GetProperty("Shards").EnumerateArray());
            if (!page.TryGetProperty("NextToken", out var token)) return shards;
            page = await KinesisJson.CallOkAsync(endpoint, "ListShards", new { NextToken = token.GetString() });
        }
    }

    /// <summary>Reads one shard from TRIM_HORIZON until its end (closed) or until caught up (open).</summary>
    public static async Task<(List<WireRecord> Records, bool Ended)> ReadShardAsync(Uri endpoint, string stream, string shardId)
    {
        var it = (await KinesisJson.CallOkAsync(endpoint, "GetShardIterator", new { StreamName = stream, ShardId = shardId, ShardIteratorType = "TRIM_HORIZON" }))
            .GetProperty("ShardIterator").GetString();
        var records = new List<WireRecord>();
        while (true)
        {
            var r = await KinesisJson.CallOkAsync(endpoint, "GetRecords", new { ShardIterator = it });
            var batch = r.GetProperty("Records");
            foreach (var rec in batch.EnumerateArray())
            {
                records.Add(new WireRecord(shardId, BigInteger.Parse(rec.GetProperty("SequenceNumber").GetString()!),
                    rec.GetProperty("PartitionKey").GetString()!, Encoding.UTF8.GetString(rec.GetProperty("Data").GetBytesFromBase64())));
            }

            if (!r.TryGetProperty("NextShardIterator", out var next) || next.ValueKind == JsonValueKind.Null)
            {
                Assert.True(r.GetProperty("ChildShards").GetArrayLength() > 0, "a shard end must name its child shards");
                return (records, true);
            }
            if (batch.GetArrayLength() == 0 && r.GetProperty("MillisBehindLatest").GetInt64() == 0) return (records, false);
            it = next.GetString();
        }
    }

    /// <summary>Reads every shard of the stream, each only after its parents were read to their end.</summary>
    public static async Task<List<WireRecord>> ReadStreamParentsFirstAsync(Uri endpoint, string stream)
    {
        var shards = await ListAllShardsAsync(endpoint, stream);
        var done = new HashSet<string>();
        var all = new List<WireRecord>();
        var pending = shards.ToList();
        while (pending.Count > 0)
        {
            var ready = pending.First(s => Parents(s).All(p => done.Contains(p) || !shards.Any(x => x.GetProperty("ShardId").GetString() == p)));
            var id = ready.GetProperty("ShardId").GetString()!;
            var (records, _) = await ReadShardAsync(endpoint, stream, id);
            all.AddRange(records);
            done.Add(id);
            pending.Remove(ready);
        }
        return all;
    }

    private static IEnumerable<string> Parents(JsonElement shard)
    {
        if (shard.TryGetProperty("ParentShardId", out var p)) yield return p.GetString()!;
        if (shard.TryGetProperty("AdjacentParentShardId", out var a)) yield return a.GetString()!;
    }

    public static object Entry(string key, string data) => new { PartitionKey = key, Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(data)) };
}
