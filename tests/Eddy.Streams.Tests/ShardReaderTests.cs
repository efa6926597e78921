using System.Collections.Concurrent;
using System.Text;
using Eddy.Catalog;
using Eddy.Core;

namespace Eddy.Streams.Tests;

/// <summary>The engine's shard readers and the stream follower built on them (issue 8: reading for Eddy's own consumers).</summary>
public class ShardReaderTests
{
    private static StreamRef S(string name) => TestEngine.S(name);

    private static string Text(ReadRecord r) => Encoding.UTF8.GetString(r.Data.Span);

    private static PutEntry At(UInt128 hashKey, string data) => TestEngine.At(hashKey, data);

    [Fact]
    public async Task A_reader_at_LATEST_waits_for_the_next_write_without_polling()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s");
        await t.Engine.PutRecordsAsync(S("s"), [At(0, "old")]);
        using var reader = t.Engine.OpenReader(S("s"), "shardId-000000000000", ShardPosition.Latest);

        var pending = reader.ReadAsync(100, 1 << 20, Timeout.InfiniteTimeSpan, CancellationToken.None).AsTask();
        Assert.False(pending.IsCompleted);
        await t.Engine.PutRecordsAsync(S("s"), [At(0, "new")]);
        using var batch = await pending.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["new"], batch.Records.Select(Text));
        Assert.False(batch.ShardEnded);
        Assert.Equal(batch.Records[0].SequenceNumber, batch.LastSequenceNumber);
    }

    [Fact]
    public async Task A_reader_with_nothing_to_read_gives_an_empty_batch_after_its_wait_or_at_once()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s");
        using var reader = t.Engine.OpenReader(S("s"), "shardId-000000000000", ShardPosition.TrimHorizon);
        using (var now = await reader.ReadAsync(10, 1 << 20, TimeSpan.Zero, CancellationToken.None)) Assert.Empty(now.Records);
        using (var later = await reader.ReadAsync(10, 1 << 20, TimeSpan.FromMilliseconds(20), CancellationToken.None)) Assert.Empty(later.Records);
        using var cancel = new CancellationTokenSource();
        var waiting = reader.ReadAsync(10, 1 << 20, Timeout.InfiniteTimeSpan, cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Fact]
    public async Task A_reader_reads_a_split_parent_to_its_end_and_names_the_children()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s");
        await t.Engine.PutRecordsAsync(S("s"), [At(0, "a"), At(1, "b")]);
        using var reader = t.Engine.OpenReader(S("s"), "shardId-000000000000", ShardPosition.TrimHorizon);
        using (var first = await reader.ReadAsync(1, 1 << 20, TimeSpan.Zero, CancellationToken.None)) Assert.Equal(["a"], first.Records.Select(Text));

        await t.Engine.SplitShardAsync(S("s"), "shardId-000000000000", (UInt128.MaxValue / 2).ToString());
        using var rest = await reader.ReadAsync(100, 1 << 20, Timeout.InfiniteTimeSpan, CancellationToken.None);
        Assert.Equal(["b"], rest.Records.Select(Text));
        Assert.True(rest.ShardEnded);
        Assert.Equal(["shardId-000000000001", "shardId-000000000002"], rest.ChildShards!.Select(c => c.ShardId));
        using var after = await reader.ReadAsync(100, 1 << 20, Timeout.InfiniteTimeSpan, CancellationToken.None);
        Assert.True(after.ShardEnded);
        Assert.Empty(after.Records);

        var lineage = t.Engine.DescribeShards(S("s"));
        Assert.Equal(["shardId-000000000000"], lineage.Shards[1].ParentShardIds);
        Assert.Equal([false, true, true], lineage.Shards.Select(s => s.IsOpen));
    }

    [Fact]
    public async Task A_reader_waiting_at_the_tip_of_a_shard_wakes_when_the_shard_ends()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s");
        using var reader = t.Engine.OpenReader(S("s"), "shardId-000000000000", ShardPosition.Latest);
        var waiting = reader.ReadAsync(100, 1 << 20, Timeout.InfiniteTimeSpan, CancellationToken.None).AsTask();
        await t.Engine.SplitShardAsync(S("s"), "shardId-000000000000", (UInt128.MaxValue / 2).ToString());
        using var end = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(end.ShardEnded);
        Assert.Equal(2, end.ChildShards!.Count);
    }

    [Fact]
    public async Task A_reader_of_a_deleted_stream_answers_like_a_missing_shard()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s");
        using var reader = t.Engine.OpenReader(S("s"), "shardId-000000000000", ShardPosition.TrimHorizon);
        await t.Engine.DeleteStreamAsync(S("s"), false);
        var e = await Assert.ThrowsAsync<KinesisException>(async () => await reader.ReadAsync(10, 1 << 20, TimeSpan.Zero, CancellationToken.None));
        Assert.Equal(ErrorCode.ResourceNotFoundException, e.Code);
        Assert.Equal(ErrorCode.ResourceNotFoundException, Assert.Throws<KinesisException>(() => t.Engine.OpenReader(S("s"), "shardId-000000000000", ShardPosition.TrimHorizon)).Code);
    }

    /// <summary>
    /// A follower reads every record once, parents before children, checkpoints as it goes, and a second follower of
    /// the same name (a restart) resumes after the last checkpoint.
    /// </summary>
    [Fact]
    public async Task A_follower_reads_everything_once_parents_first_and_resumes_from_its_checkpoints()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s", 2);
        var checkpoints = new MemoryCatalogStore().Checkpoints;
        await t.Engine.PutRecordsAsync(S("s"), [At(0, "p0-1"), At(UInt128.MaxValue, "p1-1")]);
        await t.Engine.SplitShardAsync(S("s"), "shardId-000000000000", "1000");
        await t.Engine.PutRecordsAsync(S("s"), [At(5, "c2-1"), At(UInt128.MaxValue / 4, "c3-1")]);

        var seen = await FollowUntilAsync(t, checkpoints, "app", 4);
        Assert.Equal(["c2-1", "c3-1", "p0-1", "p1-1"], seen.Select(x => x.Data).Order());
        var order = seen.Select(x => x.Shard).ToList();
        Assert.True(order.IndexOf("shardId-000000000000") < order.IndexOf("shardId-000000000002"), "parent before child");
        Assert.True(order.IndexOf("shardId-000000000000") < order.IndexOf("shardId-000000000003"), "parent before child");

        var saved = await checkpoints.LoadAsync("app");
        Assert.Contains(saved, c => c.ShardIndex == 0 && c.ShardEnded);
        Assert.Contains(saved, c => c.ShardIndex == 2 && !c.ShardEnded && c.SequenceNumber is not null);

        await t.Engine.PutRecordsAsync(S("s"), [At(5, "c2-2"), At(UInt128.MaxValue, "p1-2")]);
        var resumed = await FollowUntilAsync(t, checkpoints, "app", 2);
        Assert.Equal(["c2-2", "p1-2"], resumed.Select(x => x.Data).Order());
        Assert.Equal(4, (await FollowUntilAsync(t, checkpoints, "other", 6)).Count(x => x.Data.EndsWith("-1", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_follower_starting_at_LATEST_reads_only_what_is_written_after_it_started()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s", 2);
        await t.Engine.PutRecordsAsync(S("s"), [At(0, "before")]);
        await t.Engine.SplitShardAsync(S("s"), "shardId-000000000000", "1000");
        var checkpoints = new MemoryCatalogStore().Checkpoints;
        var opened = new ConcurrentQueue<(string Shard, ShardPosition From)>();
        var allOpen = new TaskCompletionSource();
        var follower = new StreamFollower(t.Engine, checkpoints, "latest", S("s"), ShardPosition.Latest, new StreamFollowerOptions
        {
            ShardStarted = (shard, from) =>
            {
                opened.Enqueue((shard, from));
                if (opened.Count == 3) allOpen.TrySetResult();
            },
        });
        var seen = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var run = follower.RunAsync((b, _) =>
        {
            foreach (var r in b.Batch.Records) seen.Enqueue(Text(r));
            if (seen.Count >= 2) stop.Cancel();
            return ValueTask.CompletedTask;
        }, stop.Token);
        // The open shards (1, and the children 2 and 3 of the closed 0) are read from their tip.
        await allOpen.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["shardId-000000000001", "shardId-000000000002", "shardId-000000000003"], opened.Select(o => o.Shard).Order());
        Assert.All(opened, o => Assert.Equal(ShardIteratorType.Latest, o.From.Type));
        await t.Engine.PutRecordsAsync(S("s"), [At(5, "after-a"), At(UInt128.MaxValue, "after-b")]);
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["after-a", "after-b"], seen.Order());
    }

    private static async Task<List<(string Shard, string Data)>> FollowUntilAsync(TestEngine t, ICheckpointStore checkpoints, string consumer, int count)
    {
        var follower = new StreamFollower(t.Engine, checkpoints, consumer, S("s"), ShardPosition.TrimHorizon);
        var seen = new ConcurrentQueue<(string, string)>();
        using var stop = new CancellationTokenSource();
        await follower.RunAsync((b, _) =>
        {
            foreach (var r in b.Batch.Records) seen.Enqueue((b.ShardId, Text(r)));
            if (seen.Count >= count) stop.Cancel();
            return ValueTask.CompletedTask;
        }, stop.Token).WaitAsync(TimeSpan.FromSeconds(10));
        return [.. seen];
    }
}
