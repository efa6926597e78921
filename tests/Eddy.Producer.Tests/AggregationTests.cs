using System.Text;
using Eddy.Functions.Firehose;

namespace Eddy.Producer.Tests;

/// <summary>The KPL aggregated record format (kpl-kcl.md §1), byte for byte.</summary>
public sealed class AggregationTests
{
    [Fact]
    public void The_spec_test_vector_is_encoded_byte_for_byte()
    {
        var data = KplAggregation.Encode([
            ("pk-a", null, Encoding.UTF8.GetBytes("hello")),
            ("pk-b", null, Encoding.UTF8.GetBytes("world")),
            ("pk-a", null, Encoding.UTF8.GetBytes("!")),
        ]);

        Assert.Equal(61, data.Length);
        Assert.Equal("84mawgoEcGstYQoEcGstYhoJCAAaBWhlbGxvGgkIARoFd29ybGQaBQgAGgEh8ugKrg0t7te4+yiAtUFtMg==", Convert.ToBase64String(data));
        Assert.Equal("0a04706b2d610a04706b2d621a09080 01a0568656c6c6f1a090801 1a05776f726c641a050800 1a0121".Replace(" ", ""), Convert.ToHexStringLower(data.AsSpan(4, 41)));
        Assert.Equal("f2e80aae0d2deed7b8fb2880b5416d32", Convert.ToHexStringLower(data.AsSpan(45)));
    }

    [Fact]
    public void Explicit_hash_keys_go_into_their_table_and_only_records_that_have_one_point_at_it()
    {
        var data = KplAggregation.Encode([
            ("k1", "12345", new byte[] { 1 }),
            ("k2", null, new byte[] { 2, 2 }),
            ("k1", "12345", new byte[] { 3 }),
            ("k3", "99", Array.Empty<byte>()),
        ]);

        var records = KplDeaggregator.TryDeaggregate(data);
        Assert.NotNull(records);
        Assert.Equal(["k1", "k2", "k1", "k3"], records.Select(r => r.PartitionKey));
        Assert.Equal(["12345", null, "12345", "99"], records.Select(r => r.ExplicitHashKey));
        Assert.Equal([[1], [2, 2], [3], []], records.Select(r => r.Data.ToArray()));
    }

    [Fact]
    public void The_running_size_of_an_aggregate_is_its_encoded_size()
    {
        var random = new Random(7);
        var aggregator = new Aggregator("shardId-000000000000");
        List<(string, string?, ReadOnlyMemory<byte>)> records = [];
        for (var i = 0; i < 300; i++)
        {
            var key = "key-" + random.Next(0, 40) + new string('é', random.Next(0, 3));
            var hash = random.Next(0, 4) == 0 ? random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
            var data = new byte[random.Next(0, i < 290 ? 200 : 20000)];
            random.NextBytes(data);
            var record = new UserRecord("s", key, data, hash, HashKeys.Of(key), long.MaxValue);
            var expected = aggregator.SizeWith(record);
            aggregator.Add(record, 0);
            records.Add((key, hash, data));
            Assert.Equal(expected, KplAggregation.Encode(records).Length);
        }

        var sealedRecord = aggregator.Seal();
        Assert.Equal(KplAggregation.Encode(records), sealedRecord.Data);
        Assert.Equal("a", sealedRecord.PartitionKey);
        Assert.Equal(HashKeys.Format(HashKeys.Of(records[0].Item1)), sealedRecord.ExplicitHashKey);
    }

    [Fact]
    public void A_single_record_is_sent_raw_with_its_partition_key_and_hash_key()
    {
        var aggregator = new Aggregator("shardId-000000000001");
        var record = new UserRecord("s", "user-1", [7, 8], null, HashKeys.Of("user-1"), long.MaxValue);
        aggregator.Add(record, 0);
        var single = aggregator.Seal();
        Assert.Equal([7, 8], single.Data);
        Assert.Equal("user-1", single.PartitionKey);
        // MD5("user-1") as a big-endian 128-bit number, in decimal
        var md5 = System.Security.Cryptography.MD5.HashData("user-1"u8);
        Assert.Equal(new System.Numerics.BigInteger(md5, isUnsigned: true, isBigEndian: true).ToString(), single.ExplicitHashKey);
        Assert.Equal(0, aggregator.Count);
    }

    [Fact]
    public void The_shard_map_predicts_the_shard_whose_range_holds_the_hash_key()
    {
        var map = new ShardMap(FakeKinesis.Even(4));
        var quarter = UInt128.MaxValue / 4;
        Assert.Equal("shardId-000000000000", map.ShardOf(0));
        Assert.Equal("shardId-000000000000", map.ShardOf(quarter - 1));
        Assert.Equal("shardId-000000000001", map.ShardOf(quarter));
        Assert.Equal("shardId-000000000003", map.ShardOf(UInt128.MaxValue));
        Assert.True(map.Contains("shardId-000000000002", quarter * 2));
        Assert.False(map.Contains("shardId-000000000002", quarter));
        Assert.False(map.Contains("shardId-000000000009", 0));
    }
}
