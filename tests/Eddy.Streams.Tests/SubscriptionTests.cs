using System.Text;
using Eddy.Core;

namespace Eddy.Streams.Tests;

public class SubscriptionTests
{
    private static StreamRef S(string name) => TestEngine.S(name);

    private static async Task<string> ConsumerAsync(TestEngine t, string stream, string name = "app")
    {
        var arn = t.Engine.DescribeStreamSummary(S(stream)).Arn;
        var c = await t.Engine.RegisterConsumerAsync(arn, name, null);
        await TestEngine.WaitAsync(() => t.Engine.DescribeConsumer(null, null, c.Arn).Status == ConsumerStatus.Active);
        return c.Arn;
    }

    private static async Task<SubscriptionEvent> NextWithRecordsAsync(IShardSubscription sub)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var e = await sub.NextAsync(timeout.Token);
            Assert.NotNull(e);
            if (e!.Records.Count > 0 || e.ChildShards is not null) return e;
        }
    }

    [Fact]
    public async Task Pushes_records_as_they_are_written_and_heartbeats_when_idle()
    {
        await using var t = new TestEngine(configure: o => o with { SubscriptionHeartbeat = TimeSpan.FromMilliseconds(100) });
        await t.CreateActiveAsync("s");
        var consumer = await ConsumerAsync(t, "s");
        await using var sub = await t.Engine.SubscribeToShardAsync(consumer, "shardId-000000000000", ShardIteratorType.Latest, null, null);

        var heartbeat = await sub.NextAsync(CancellationToken.None);
        Assert.Empty(heartbeat!.Records);
        Assert.NotNull(heartbeat.ContinuationSequenceNumber);
        Assert.Null(heartbeat.ChildShards);

        var waiting = NextWithRecordsAsync(sub);
        var put = await t.Engine.PutRecordAsync(S("s"), TestEngine.Entry("k", "hello"), null);
        var e = await waiting;
        Assert.Equal("hello", Encoding.UTF8.GetString(e.Records.Single().Data.Span));
        Assert.Equal(put.Records[0].SequenceNumber, e.ContinuationSequenceNumber);

        // a resubscription after the continuation resumes exactly after it
        await sub.DisposeAsync();
        await t.Engine.PutRecordAsync(S("s"), TestEngine.Entry("k", "next"), null);
        await using var again = await t.Engine.SubscribeToShardAsync(consumer, "shardId-000000000000", ShardIteratorType.AfterSequenceNumber, e.ContinuationSequenceNumber, null);
        Assert.Equal("next", Encoding.UTF8.GetString((await NextWithRecordsAsync(again)).Records.Single().Data.Span));
    }

    [Fact]
    public async Task A_heartbeat_before_any_record_continues_from_the_first_record()
    {
        await using var t = new TestEngine(configure: o => o with { SubscriptionHeartbeat = TimeSpan.FromMilliseconds(50) });
        await t.CreateActiveAsync("s");
        var consumer = await ConsumerAsync(t, "s");
        string continuation;
        await using (var sub = await t.Engine.SubscribeToShardAsync(consumer, "shardId-000000000000", ShardIteratorType.TrimHorizon, null, null))
            continuation = (await sub.NextAsync(CancellationToken.None))!.ContinuationSequenceNumber!;
        await t.Engine.PutRecordAsync(S("s"), TestEngine.Entry("k", "first"), null);
        await Task.Delay(5); // not within the takeover window of a live subscription: the first one is disposed
        await using var resumed = await t.Engine.SubscribeToShardAsync(consumer, "shardId-000000000000", ShardIteratorType.AfterSequenceNumber, continuation, null);
        Assert.Equal("first", Encoding.UTF8.GetString((await NextWithRecordsAsync(resumed)).Records.Single().Data.Span));
    }

    [Fact]
    public async Task Shard_end_event_names_the_children_and_ends_the_subscription()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s");
        var consumer = await ConsumerAsync(t, "s");
        await t.Engine.PutRecordAsync(S("s"), TestEngine.Entry("k", "before"), null);
        await using var sub = await t.Engine.SubscribeToShardAsync(consumer, "shardId-000000000000", ShardIteratorType.TrimHorizon, null, null);
        Assert.Equal("before", Encoding.UTF8.GetString((await NextWithRecordsAsync(sub)).Records.Single().Data.Span));
        await t.Engine.SplitShardAsync(S("s"), "shardId-000000000000", "1000");
        var end = await NextWithRecordsAsync(sub);
        Assert.Empty(end.Records);
        Assert.Null(end.ContinuationSequenceNumber);
        Assert.Equal(["shardId-000000000001", "shardId-000000000002"], end.ChildShards!.Select(c => c.ShardId));
        Assert.Null(await sub.NextAsync(CancellationToken.None));
        Assert.Null(sub.EndReason);
    }

    [Fact]
    public async Task A_second_subscription_is_refused_within_five_seconds_and_takes_over_after()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s");
        var consumer = await ConsumerAsync(t, "s");
        await using var first = await t.Engine.SubscribeToShardAsync(consumer, "shardId-000000000000", ShardIteratorType.Latest, null, null);
        var refused = await Assert.ThrowsAsync<KinesisException>(() => t.Engine.SubscribeToShardAsync(consumer, "shardId-000000000000", ShardIteratorType.Latest, null, null));
        Assert.Equal(ErrorCode.ResourceInUseException, refused.Code);

        t.Time.Offset = TimeSpan.FromSeconds(6);
        await using var second = await t.Engine.SubscribeToShardAsync(consumer, "shardId-000000000000", ShardIteratorType.Latest, null, null);
        Assert.Null(await first.NextAsync(CancellationToken.None));
        Assert.Equal(ErrorCode.ResourceInUseException, first.EndReason!.Code);
    }

    [Fact]
    public async Task Deregistration_and_deletion_end_subscriptions_and_sessions_expire()
    {
        await using var t = new TestEngine(configure: o => o with { SubscriptionLifetime = TimeSpan.FromMilliseconds(300) });
        await t.CreateActiveAsync("s", 2);
        var consumer = await ConsumerAsync(t, "s");
        var other = await ConsumerAsync(t, "s", "other");

        await using var expiring = await t.Engine.SubscribeToShardAsync(other, "shardId-000000000001", ShardIteratorType.Latest, null, null);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (await expiring.NextAsync(timeout.Token) is not null) { }
        Assert.Null(expiring.EndReason);

        await using var sub = await t.Engine.SubscribeToShardAsync(consumer, "shardId-000000000000", ShardIteratorType.Latest, null, null);
        var pending = sub.NextAsync(timeout.Token).AsTask();
        await t.Engine.DeregisterConsumerAsync(null, null, consumer);
        Assert.Null(await pending);
        Assert.Equal(ErrorCode.ResourceNotFoundException, sub.EndReason!.Code);

        await using var onOther = await t.Engine.SubscribeToShardAsync(other, "shardId-000000000000", ShardIteratorType.Latest, null, null);
        var waiting = onOther.NextAsync(timeout.Token).AsTask();
        await t.Engine.DeleteStreamAsync(S("s"), enforceConsumerDeletion: true);
        Assert.Null(await waiting);
        Assert.Equal(ErrorCode.ResourceNotFoundException, onOther.EndReason!.Code);
    }

    [Fact]
    public async Task Refuses_unknown_or_inactive_consumers_and_unknown_shards()
    {
        await using var t = new TestEngine(configure: o => o with { StateDelay = TimeSpan.FromSeconds(30) });
        await t.Engine.CreateStreamAsync("s", 1, StreamMode.Provisioned, null, null, null);
        var arn = t.Engine.DescribeStreamSummary(S("s")).Arn;
        var missing = await Assert.ThrowsAsync<KinesisException>(() => t.Engine.SubscribeToShardAsync(arn + "/consumer/nope:1", "shardId-000000000000", ShardIteratorType.Latest, null, null));
        Assert.Equal(ErrorCode.ResourceNotFoundException, missing.Code);
    }
}
