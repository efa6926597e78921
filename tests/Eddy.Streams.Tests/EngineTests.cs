using System.Numerics;
using System.Text;
using Eddy.Core;

namespace Eddy.Streams.Tests;

public class EngineTests
{
    private static StreamRef S(string name) => TestEngine.S(name);

    private static string Text(ReadRecord r) => Encoding.UTF8.GetString(r.Data.Span);

    [Fact]
    public async Task Create_starts_creating_then_active_with_even_shards()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s", 4);
        var page = t.Engine.DescribeStream(S("s"), null, null);
        Assert.Equal(4, page.Shards.Count);
        Assert.Equal("shardId-000000000003", page.Shards[3].ShardId);
        Assert.Equal(UInt128.MaxValue, page.Shards[3].HashKeyRange.End);
        var e = await Assert.ThrowsAsync<KinesisException>(() => t.Engine.CreateStreamAsync("s", 1, StreamMode.Provisioned, null, null, null));
        Assert.Equal(ErrorCode.ResourceInUseException, e.Code);
        Assert.Equal("Stream s under account 000000000000 already exists.", e.Message);
    }

    [Fact]
    public async Task Records_route_by_md5_and_read_back_in_order()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s", 2);
        var entries = Enumerable.Range(0, 200).Select(i => TestEngine.Entry("k" + (i % 7), "v" + i)).ToList();
        var result = await t.Engine.PutRecordsAsync(S("s"), entries);
        Assert.Equal(0, result.FailedRecordCount);
        for (var i = 0; i < entries.Count; i++)
        {
            var expected = entries[i].HashKey <= UInt128.MaxValue / 2 ? "shardId-000000000000" : "shardId-000000000001";
            Assert.Equal(expected, result.Records[i].ShardId);
        }
        foreach (var shard in new[] { "shardId-000000000000", "shardId-000000000001" })
        {
            var read = await t.ReadAllAsync("s", shard);
            var expected = entries.Select((e, i) => (e, i)).Where(x => result.Records[x.i].ShardId == shard).Select(x => "v" + x.i).ToList();
            Assert.Equal(expected, [.. read.Select(Text)]);
            var numbers = read.Select(r => BigInteger.Parse(r.SequenceNumber)).ToList();
            Assert.True(numbers.Zip(numbers.Skip(1)).All(p => p.First < p.Second));
        }
    }

    [Fact]
    public async Task Iterator_types_position_as_AWS_does()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s");
        var seqs = new List<string>();
        for (var i = 0; i < 5; i++) seqs.Add((await t.Engine.PutRecordAsync(S("s"), TestEngine.Entry("k", "r" + i), null)).Records[0].SequenceNumber!);
        const string shard = "shardId-000000000000";
        async Task<string?> First(string it) => (await t.Engine.GetRecordsAsync(it, 1, default)).Records.Select(Text).FirstOrDefault();
        Assert.Equal("r0", await First(t.Engine.GetShardIterator(S("s"), shard, ShardIteratorType.TrimHorizon, null, null)));
        Assert.Equal("r2", await First(t.Engine.GetShardIterator(S("s"), shard, ShardIteratorType.AtSequenceNumber, seqs[2], null)));
        Assert.Equal("r3", await First(t.Engine.GetShardIterator(S("s"), shard, ShardIteratorType.AfterSequenceNumber, seqs[2], null)));
        var latest = t.Engine.GetShardIterator(S("s"), shard, ShardIteratorType.Latest, null, null);
        Assert.Null(await First(latest));
        await t.Engine.PutRecordAsync(S("s"), TestEngine.Entry("k", "r5"), seqs[4]);
        Assert.Equal("r5", await First(latest));
        Assert.Equal("r0", await First(t.Engine.GetShardIterator(S("s"), shard, ShardIteratorType.AtTimestamp, null, DateTimeOffset.UtcNow.AddHours(-1))));

        var e = Assert.Throws<KinesisException>(() => t.Engine.GetShardIterator(S("s"), shard, ShardIteratorType.AtSequenceNumber, null, null));
        Assert.StartsWith("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER", e.Message);
        e = Assert.Throws<KinesisException>(() => t.Engine.GetShardIterator(S("s"), shard, ShardIteratorType.AtTimestamp, null, DateTimeOffset.UtcNow.AddHours(1)));
        Assert.StartsWith("The timestampInMillis parameter cannot be greater than the currentTimestampInMillis.", e.Message);
        e = Assert.Throws<KinesisException>(() => t.Engine.GetShardIterator(S("s"), "shardId-000000000009", ShardIteratorType.Latest, null, null));
        Assert.Equal(ErrorCode.ResourceNotFoundException, e.Code);
        Assert.Equal("Shard shardId-000000000009 in stream s under account 000000000000 does not exist", e.Message);
    }

    [Fact]
    public async Task Iterators_expire_after_five_minutes_and_reject_tampering()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s");
        var it = t.Engine.GetShardIterator(S("s"), "shardId-000000000000", ShardIteratorType.TrimHorizon, null, null);
        // Change a character inside the payload (the last base64 group carries ignorable low bits).
        var tampered = it[..20] + (it[20] == 'A' ? "B" : "A") + it[21..];
        var bad = await Assert.ThrowsAsync<KinesisException>(async () => await t.Engine.GetRecordsAsync(tampered, null, default));
        Assert.Equal("Invalid ShardIterator.", bad.Message);
        t.Time.Offset = TimeSpan.FromSeconds(301);
        var expired = await Assert.ThrowsAsync<KinesisException>(async () => await t.Engine.GetRecordsAsync(it, null, default));
        Assert.Equal(ErrorCode.ExpiredIteratorException, expired.Code);
        Assert.StartsWith("Iterator expired. The iterator was created at time ", expired.Message);
    }

    [Fact]
    public async Task Split_closes_the_parent_and_readers_follow_child_shards()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s");
        await t.Engine.PutRecordsAsync(S("s"), [TestEngine.Entry("a", "before")]);
        await t.Engine.SplitShardAsync(S("s"), "shardId-000000000000", (UInt128.MaxValue / 2 + 1).ToString());
        // No state delay: the split is done when the call returns (UPDATING is covered by RecoveryTests).
        Assert.Equal(StreamStatus.Active, t.Engine.DescribeStreamSummary(S("s")).Status);
        var after = await t.Engine.PutRecordsAsync(S("s"), [TestEngine.Entry("a", "after")]);
        Assert.NotEqual("shardId-000000000000", after.Records[0].ShardId);

        var shards = t.Engine.ListShards(S("s"), null, null, null, null, null, null, null).Shards;
        Assert.Equal(3, shards.Count);
        Assert.NotNull(shards[0].EndingSequenceNumber);
        Assert.Equal("shardId-000000000000", shards[1].ParentShardId);
        Assert.True(BigInteger.Parse(shards[1].StartingSequenceNumber) > BigInteger.Parse(shards[0].EndingSequenceNumber!));

        var it = t.Engine.GetShardIterator(S("s"), "shardId-000000000000", ShardIteratorType.TrimHorizon, null, null);
        var r = await t.Engine.GetRecordsAsync(it, null, default);
        Assert.Equal("before", Text(r.Records.Single()));
        Assert.Null(r.NextShardIterator);
        Assert.Equal(["shardId-000000000001", "shardId-000000000002"], r.ChildShards!.Select(c => c.ShardId));
        Assert.Equal(["shardId-000000000000"], r.ChildShards![0].ParentShards);

        var open = t.Engine.ListShards(S("s"), null, null, null, null, ShardFilterType.AtLatest, null, null).Shards;
        Assert.Equal(["shardId-000000000001", "shardId-000000000002"], open.Select(s => s.ShardId));
        var roots = t.Engine.ListShards(S("s"), null, null, null, null, ShardFilterType.AtTrimHorizon, null, null).Shards;
        Assert.Equal(["shardId-000000000000"], roots.Select(s => s.ShardId));
    }

    [Fact]
    public async Task Merge_needs_adjacent_shards_and_records_both_parents()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s", 3);
        var e = await Assert.ThrowsAsync<KinesisException>(() => t.Engine.MergeShardsAsync(S("s"), "shardId-000000000000", "shardId-000000000002"));
        Assert.Equal("Shards shardId-000000000000 and shardId-000000000002 in stream s under account 000000000000 are not an adjacent pair of shards eligible for merging", e.Message);
        await t.Engine.MergeShardsAsync(S("s"), "shardId-000000000001", "shardId-000000000002");
        await TestEngine.WaitAsync(() => t.Engine.DescribeStreamSummary(S("s")).Status == StreamStatus.Active);
        var child = t.Engine.ListShards(S("s"), null, null, null, null, ShardFilterType.AtLatest, null, null).Shards.Last();
        Assert.Equal("shardId-000000000003", child.ShardId);
        Assert.Equal("shardId-000000000001", child.ParentShardId);
        Assert.Equal("shardId-000000000002", child.AdjacentParentShardId);
    }

    [Theory]
    [InlineData(4, 8)]
    [InlineData(4, 2)]
    [InlineData(3, 5)]
    [InlineData(6, 3)]
    public async Task UpdateShardCount_reaches_the_target_with_full_coverage(int from, int to)
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s", from);
        var change = await t.Engine.UpdateShardCountAsync(S("s"), to);
        Assert.Equal(from, change.Current);
        await TestEngine.WaitAsync(() => t.Engine.DescribeStreamSummary(S("s")).Status == StreamStatus.Active);
        var open = t.Engine.ListShards(S("s"), null, null, null, null, ShardFilterType.AtLatest, null, null).Shards
            .OrderBy(s => s.HashKeyRange.Start).ToList();
        Assert.Equal(to, open.Count);
        Assert.Equal(UInt128.Zero, open[0].HashKeyRange.Start);
        Assert.Equal(UInt128.MaxValue, open[^1].HashKeyRange.End);
        for (var i = 1; i < open.Count; i++) Assert.Equal(open[i - 1].HashKeyRange.End + 1, open[i].HashKeyRange.Start);
        var tooMany = await Assert.ThrowsAsync<KinesisException>(() => t.Engine.UpdateShardCountAsync(S("s"), to * 2 + 1));
        Assert.Equal(ErrorCode.InvalidArgumentException, tooMany.Code);
    }

    [Fact]
    public async Task Records_past_retention_are_never_returned()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s");
        await t.Engine.PutRecordAsync(S("s"), TestEngine.Entry("k", "old"), null);
        t.Time.Offset = TimeSpan.FromHours(25);
        await t.Engine.PutRecordAsync(S("s"), TestEngine.Entry("k", "new"), null);
        Assert.Equal(["new"], (await t.ReadAllAsync("s", "shardId-000000000000")).Select(Text));
        await t.Engine.SweepOnceAsync();
        Assert.Equal(["new"], (await t.ReadAllAsync("s", "shardId-000000000000")).Select(Text));
    }

    [Fact]
    public async Task Retention_changes_follow_AWS_rules()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s");
        await t.Engine.ChangeRetentionAsync(S("s"), 48, increase: true);
        var e = await Assert.ThrowsAsync<KinesisException>(() => t.Engine.ChangeRetentionAsync(S("s"), 72, increase: false));
        Assert.Equal("Requested retention period (72 hours) for stream s can not be longer than existing retention period (48 hours). Use IncreaseRetentionPeriod API.", e.Message);
        e = await Assert.ThrowsAsync<KinesisException>(() => t.Engine.ChangeRetentionAsync(S("s"), 12, increase: false));
        Assert.Equal("Minimum allowed retention period is 24 hours. Requested retention period (12 hours) is too short.", e.Message);
        Assert.Equal(48, t.Engine.DescribeStreamSummary(S("s")).RetentionPeriodHours);
    }

    [Fact]
    public async Task Pagination_of_streams_shards_and_consumers()
    {
        await using var t = new TestEngine();
        for (var i = 0; i < 3; i++) await t.CreateActiveAsync("s" + i, 3);
        var streams = new List<string>();
        string? token = null;
        do
        {
            var page = t.Engine.ListStreams(1, null, token);
            streams.AddRange(page.Streams.Select(s => s.Name));
            token = page.NextToken;
        } while (token is not null);
        Assert.Equal(["s0", "s1", "s2"], streams);

        var first = t.Engine.ListShards(S("s0"), null, null, 2, null, null, null, null);
        Assert.Equal(2, first.Shards.Count);
        var second = t.Engine.ListShards(default, first.NextToken, null, 2, null, null, null, null);
        Assert.Equal("shardId-000000000002", second.Shards.Single().ShardId);
        Assert.Null(second.NextToken);
        var both = Assert.Throws<KinesisException>(() => t.Engine.ListShards(S("s0"), first.NextToken, null, null, null, null, null, null));
        Assert.Equal("NextToken and StreamName cannot be provided together.", both.Message);
        t.Time.Offset = TimeSpan.FromMinutes(6);
        var expired = Assert.Throws<KinesisException>(() => t.Engine.ListShards(default, first.NextToken, null, null, null, null, null, null));
        Assert.Equal(ErrorCode.ExpiredNextTokenException, expired.Code);
    }

    [Fact]
    public async Task Consumers_register_activate_list_and_block_delete()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s");
        var arn = t.Engine.DescribeStreamSummary(S("s")).Arn;
        var c = await t.Engine.RegisterConsumerAsync(arn, "app", null);
        Assert.Equal(ConsumerStatus.Creating, c.Status);
        Assert.StartsWith(arn + "/consumer/app:", c.Arn);
        await TestEngine.WaitAsync(() => t.Engine.DescribeConsumer(null, null, c.Arn).Status == ConsumerStatus.Active);
        Assert.Equal(1, t.Engine.DescribeStreamSummary(S("s")).ConsumerCount);
        var dup = await Assert.ThrowsAsync<KinesisException>(() => t.Engine.RegisterConsumerAsync(arn, "app", null));
        Assert.Equal(ErrorCode.ResourceInUseException, dup.Code);
        var del = await Assert.ThrowsAsync<KinesisException>(() => t.Engine.DeleteStreamAsync(S("s"), false));
        Assert.Equal(ErrorCode.ResourceInUseException, del.Code);
        for (var i = 1; i < 20; i++)
        {
            var added = await t.Engine.RegisterConsumerAsync(arn, "c" + i, null); // at most 5 may be CREATING at once
            await TestEngine.WaitAsync(() => t.Engine.DescribeConsumer(null, null, added.Arn).Status == ConsumerStatus.Active);
        }
        var limit = await Assert.ThrowsAsync<KinesisException>(() => t.Engine.RegisterConsumerAsync(arn, "c20", null));
        Assert.Equal(ErrorCode.LimitExceededException, limit.Code);
        await t.Engine.DeleteStreamAsync(S("s"), true);
        await TestEngine.WaitAsync(() => t.Engine.ListStreams(null, null, null).Streams.Count == 0);
    }

    [Fact]
    public async Task Tags_on_streams_and_consumers()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s");
        await t.Engine.AddTagsAsync(S("s"), new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" });
        await t.Engine.RemoveTagsAsync(S("s"), ["b", "zz"]);
        var tags = t.Engine.ListTagsForStream(S("s"), null, null);
        Assert.Equal([new KeyValuePair<string, string>("a", "1")], tags.Tags);
        var arn = t.Engine.DescribeStreamSummary(S("s")).Arn;
        await t.Engine.TagResourceAsync(arn, new Dictionary<string, string> { ["c"] = "3" });
        Assert.Equal(["a", "c"], t.Engine.ListTagsForResource(arn).Select(k => k.Key));
        var bad = await Assert.ThrowsAsync<KinesisException>(() => t.Engine.AddTagsAsync(S("s"), new Dictionary<string, string> { ["x"] = "a#b" }));
        Assert.Equal(ErrorCode.InvalidArgumentException, bad.Code);
        var many = Enumerable.Range(0, 50).ToDictionary(i => "k" + i, i => "v");
        var tooMany = await Assert.ThrowsAsync<KinesisException>(() => t.Engine.AddTagsAsync(S("s"), many));
        Assert.Equal(ErrorCode.InvalidArgumentException, tooMany.Code); // AWS: InvalidArgumentException beyond 50 tags
    }

    [Fact]
    public async Task Catalog_and_records_survive_a_restart()
    {
        await using var t = new TestEngine(onDisk: true);
        await t.CreateActiveAsync("s", 2);
        await t.Engine.AddTagsAsync(S("s"), new Dictionary<string, string> { ["team"] = "x" });
        var put = await t.Engine.PutRecordsAsync(S("s"), [.. Enumerable.Range(0, 50).Select(i => TestEngine.Entry("k" + i, "v" + i))]);
        await t.Engine.SplitShardAsync(S("s"), "shardId-000000000000", "1000");
        await TestEngine.WaitAsync(() => t.Engine.DescribeStreamSummary(S("s")).Status == StreamStatus.Active);
        var it = t.Engine.GetShardIterator(S("s"), "shardId-000000000001", ShardIteratorType.TrimHorizon, null, null);
        await t.ReopenAsync();
        Assert.Equal(3, t.Engine.DescribeStreamSummary(S("s")).OpenShardCount);
        Assert.Equal("x", t.Engine.ListTagsForStream(S("s"), null, null).Tags.Single().Value);
        var fromOldIterator = await t.Engine.GetRecordsAsync(it, null, default);
        Assert.Equal(put.Records.Count(r => r.ShardId == "shardId-000000000001"), fromOldIterator.Records.Count);
        var all = (await t.ReadAllAsync("s", "shardId-000000000000")).Concat(await t.ReadAllAsync("s", "shardId-000000000001")).ToList();
        Assert.Equal(50, all.Count);
        Assert.Equal(put.Records.Select(r => r.SequenceNumber).Order(), all.Select(r => r.SequenceNumber).Order());
    }

    [Fact]
    public async Task On_demand_streams_start_with_four_shards_and_refuse_manual_resharding()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s", mode: StreamMode.OnDemand);
        Assert.Equal(4, t.Engine.DescribeStreamSummary(S("s")).OpenShardCount);
        var e = await Assert.ThrowsAsync<KinesisException>(() => t.Engine.SplitShardAsync(S("s"), "shardId-000000000000", "1000"));
        Assert.Equal(ErrorCode.ValidationException, e.Code);
        await t.Engine.UpdateStreamModeAsync(t.Engine.DescribeStreamSummary(S("s")).Arn, StreamMode.Provisioned, null);
        await TestEngine.WaitAsync(() => t.Engine.DescribeStreamSummary(S("s")).Status == StreamStatus.Active);
        Assert.Equal(StreamMode.Provisioned, t.Engine.DescribeStreamSummary(S("s")).Mode);
    }

    [Fact]
    public async Task Shard_limit_is_enforced()
    {
        await using var t = new TestEngine();
        var e = await Assert.ThrowsAsync<KinesisException>(() => t.Engine.CreateStreamAsync("big", 51, StreamMode.Provisioned, null, null, null));
        Assert.Equal(ErrorCode.LimitExceededException, e.Code);
        Assert.StartsWith("This request would exceed the shard limit for the account 000000000000 in us-east-1. Current shard count for the account: 0. Limit: 50.", e.Message);
    }
}
