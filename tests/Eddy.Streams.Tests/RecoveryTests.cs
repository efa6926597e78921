using System.Text;
using Eddy.Core;
using Eddy.Storage;

namespace Eddy.Streams.Tests;

/// <summary>
/// What a restart finds and finishes: acknowledged changes of UPDATING streams, logs the catalog does not list, and
/// appends that fail (a full disk) without losing or duplicating anything.
/// </summary>
public class RecoveryTests
{
    private static StreamRef S(string name) => TestEngine.S(name);

    private static PutEntry At(UInt128 hashKey, string data) => TestEngine.At(hashKey, data);

    /// <summary>A stream that is ACTIVE although every transition waits an hour: created, then the engine restarted.</summary>
    private static async Task<TestEngine> EngineWithSlowTransitionsAsync(int shards)
    {
        var t = new TestEngine(onDisk: true, configure: o => o with { StateDelay = TimeSpan.FromHours(1) });
        await t.Engine.CreateStreamAsync("s", shards, StreamMode.Provisioned, null, null, null);
        Assert.Equal(StreamStatus.Creating, t.Engine.DescribeStreamSummary(S("s")).Status);
        await t.ReopenAsync();
        Assert.Equal(StreamStatus.Active, t.Engine.DescribeStreamSummary(S("s")).Status);
        return t;
    }

    [Theory]
    [InlineData("split")]
    [InlineData("merge")]
    [InlineData("scale")]
    [InlineData("encryption")]
    [InlineData("mode")]
    [InlineData("max-record-size")]
    public async Task An_acknowledged_change_is_carried_out_when_the_server_stops_within_the_state_delay(string change)
    {
        await using var t = await EngineWithSlowTransitionsAsync(2);
        await t.Engine.PutRecordsAsync(S("s"), [At(0, "before")]);
        var arn = t.Engine.DescribeStreamSummary(S("s")).Arn;
        await (change switch
        {
            "split" => t.Engine.SplitShardAsync(S("s"), "shardId-000000000000", (UInt128.MaxValue / 4).ToString()),
            "merge" => t.Engine.MergeShardsAsync(S("s"), "shardId-000000000000", "shardId-000000000001"),
            "scale" => t.Engine.UpdateShardCountAsync(S("s"), 4),
            "encryption" => t.Engine.StartEncryptionAsync(S("s"), "KMS", "alias/aws/kinesis"),
            "mode" => t.Engine.UpdateStreamModeAsync(arn, StreamMode.OnDemand, null),
            _ => t.Engine.UpdateMaxRecordSizeAsync(S("s"), 2048),
        });
        Assert.Equal(StreamStatus.Updating, t.Engine.DescribeStreamSummary(S("s")).Status);

        await t.ReopenAsync(); // the stop comes before the state delay ends: the change is still pending

        var view = t.Engine.DescribeStreamSummary(S("s"));
        Assert.Equal(StreamStatus.Active, view.Status);
        var open = t.Engine.ListShards(S("s"), null, null, null, null, ShardFilterType.AtLatest, null, null).Shards.Select(sh => sh.ShardId).ToList();
        switch (change)
        {
            case "split":
                Assert.Equal(["shardId-000000000001", "shardId-000000000002", "shardId-000000000003"], open);
                break;
            case "merge":
                Assert.Equal(["shardId-000000000002"], open);
                break;
            case "scale":
                Assert.Equal(4, view.OpenShardCount);
                break;
            case "encryption":
                Assert.Equal("KMS", view.EncryptionType);
                Assert.Equal("alias/aws/kinesis", view.KeyId);
                break;
            case "mode":
                Assert.Equal(StreamMode.OnDemand, view.Mode);
                break;
            default:
                Assert.Equal(2048, view.MaxRecordSizeInKiB);
                break;
        }
        Assert.Equal(["before"], (await t.ReadAllAsync("s", "shardId-000000000000")).Select(r => Encoding.UTF8.GetString(r.Data.Span)));

        // and the change is not made twice: a second restart finds nothing pending
        await t.ReopenAsync();
        Assert.Equal(open, t.Engine.ListShards(S("s"), null, null, null, null, ShardFilterType.AtLatest, null, null).Shards.Select(sh => sh.ShardId));
    }

    [Fact]
    public async Task Recovery_deletes_logs_the_catalog_does_not_list_and_never_reuses_the_index_of_one_that_holds_records()
    {
        await using var t = new TestEngine(onDisk: true);
        await t.CreateActiveAsync("s", 1); // stream id 1: its shard's log is "1.0"
        await t.Engine.PutRecordsAsync(S("s"), [At(0, "kept")]);

        await t.ReopenAsync(async store =>
        {
            // What a reshard interrupted by a crash left behind before a new shard took writes only once committed:
            // a child log with records, an empty one, and the log of a stream deleted before its logs were.
            await store.Open("1.1").AppendAsync([Encoding.UTF8.GetBytes("stranded")]);
            store.Open("1.2");
            await store.Open("7.0").AppendAsync([Encoding.UTF8.GetBytes("deleted stream")]);
        });

        Assert.Equal(["1.0", "1.1"], t.Logs.ListLogs());
        await t.Engine.SplitShardAsync(S("s"), "shardId-000000000000", (UInt128.MaxValue / 2).ToString());
        var shards = t.Engine.ListShards(S("s"), null, null, null, null, null, null, null).Shards.Select(sh => sh.ShardId);
        Assert.Equal(["shardId-000000000000", "shardId-000000000002", "shardId-000000000003"], shards);
        Assert.Empty(await t.ReadAllAsync("s", "shardId-000000000002"));
        Assert.Empty(await t.ReadAllAsync("s", "shardId-000000000003"));
        Assert.Equal(["kept"], (await t.ReadAllAsync("s", "shardId-000000000000")).Select(r => Encoding.UTF8.GetString(r.Data.Span)));
    }

    [Fact]
    public async Task A_full_disk_fails_only_the_records_of_the_shards_it_could_not_write_and_reads_go_on()
    {
        var failing = new FailingLogStore.Switch();
        await using var t = new TestEngine(wrapStore: s => new FailingLogStore(s, failing));
        await t.CreateActiveAsync("s", 2);
        await t.Engine.PutRecordsAsync(S("s"), [At(0, "old-0"), At(UInt128.MaxValue, "old-1")]);
        failing.Fail("disk full under shardId-000000000000");

        var mixed = await t.Engine.PutRecordsAsync(S("s"), [At(0, "a"), At(UInt128.MaxValue, "b"), At(1, "c")]);
        Assert.Equal(2, mixed.FailedRecordCount);
        Assert.Equal(("InternalFailure", "Internal service failure."), (mixed.Records[0].ErrorCode, mixed.Records[0].ErrorMessage));
        Assert.Equal(("InternalFailure", "Internal service failure."), (mixed.Records[2].ErrorCode, mixed.Records[2].ErrorMessage));
        Assert.Equal("shardId-000000000001", mixed.Records[1].ShardId);
        Assert.Null(mixed.Records[1].ErrorCode);

        // nothing could be written: the whole call fails, so a retry cannot duplicate anything
        var all = await Assert.ThrowsAsync<KinesisException>(async () => await t.Engine.PutRecordsAsync(S("s"), [At(0, "x"), At(5, "y")]));
        Assert.Equal((ErrorCode.InternalFailure, "Internal service failure."), (all.Code, all.Message));
        var one = await Assert.ThrowsAsync<KinesisException>(async () => await t.Engine.PutRecordAsync(S("s"), At(0, "z"), null));
        Assert.Equal((ErrorCode.InternalFailure, "Internal service failure."), (one.Code, one.Message));

        Assert.Equal(["old-0"], (await t.ReadAllAsync("s", "shardId-000000000000")).Select(r => Encoding.UTF8.GetString(r.Data.Span)));
        Assert.Equal(["old-1", "b"], (await t.ReadAllAsync("s", "shardId-000000000001")).Select(r => Encoding.UTF8.GetString(r.Data.Span)));

        failing.Fail(null); // space returns
        await t.Engine.PutRecordsAsync(S("s"), [At(0, "new")]);
        Assert.Equal(["old-0", "new"], (await t.ReadAllAsync("s", "shardId-000000000000")).Select(r => Encoding.UTF8.GetString(r.Data.Span)));
    }
}

/// <summary>A log store whose appends to the first shard's log ("&lt;stream&gt;.0") fail with ENOSPC's IOException while switched on.</summary>
internal sealed class FailingLogStore(ILogStore inner, FailingLogStore.Switch failing) : ILogStore
{
    public sealed class Switch
    {
        private volatile string? _what;
        public void Fail(string? what) => _what = what;
        public bool IsOn => _what is not null;
    }

    public IShardLog Open(string logId) => new Log(inner.Open(logId), failing);

    public ValueTask DeleteAsync(string logId) => inner.DeleteAsync(logId);

    public IReadOnlyList<string> ListLogs() => inner.ListLogs();

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private sealed class Log(IShardLog log, Switch failing) : IShardLog
    {
        public string Id => log.Id;
        public long StartOffset => log.StartOffset;
        public long EndOffset => log.EndOffset;
        public long LastTimestampMs => log.LastTimestampMs;

        public ValueTask<AppendResult> AppendAsync(IReadOnlyList<ReadOnlyMemory<byte>> payloads, CancellationToken cancellationToken = default) =>
            failing.IsOn && Id.EndsWith(".0", StringComparison.Ordinal)
                ? ValueTask.FromException<AppendResult>(new IOException("No space left on device"))
                : log.AppendAsync(payloads, cancellationToken);

        public ValueTask<LogReadResult> ReadAsync(long fromOffset, int maxRecords, long maxBytes, CancellationToken cancellationToken = default) =>
            log.ReadAsync(fromOffset, maxRecords, maxBytes, cancellationToken);

        public long FindOffsetByTimestamp(long timestampMs) => log.FindOffsetByTimestamp(timestampMs);

        public ValueTask TrimAsync(long olderThanMs, CancellationToken cancellationToken = default) => log.TrimAsync(olderThanMs, cancellationToken);

        public Task WaitForDataAsync(long offset, CancellationToken cancellationToken) => log.WaitForDataAsync(offset, cancellationToken);
    }
}
