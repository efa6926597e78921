using Eddy.Core;

namespace Eddy.Catalog.Tests;

/// <summary>The <see cref="ICatalogStore"/> contract, run against every implementation.</summary>
public abstract partial class CatalogContractTests : IAsyncLifetime
{
    private readonly List<ICatalogStore> _open = [];

    /// <summary>Opens the store under test; with <paramref name="again"/>, the same store as a restart would find it.</summary>
    protected abstract ICatalogStore OpenStore(bool again = false);

    /// <summary>Whether what is written survives <see cref="OpenStore"/> with <c>again</c> (false for the memory twin).</summary>
    protected abstract bool Durable { get; }

    protected ICatalogStore Open(bool again = false)
    {
        var store = OpenStore(again);
        _open.Add(store);
        return store;
    }

    protected async Task<ICatalogStore> ReopenAsync(ICatalogStore store)
    {
        await store.DisposeAsync();
        _open.Remove(store);
        return Open(again: true);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _open) await store.DisposeAsync();
    }

    internal static StreamRecord Stream(long id, string name = "s", params ShardRecord[] shards) => new(
        id, name, "tok-" + id, StreamStatus.Active, StreamMode.Provisioned, 24, 1_700_000_000_000 + id, "NONE", null, [],
        1024, null, shards.Length, null, shards, []);

    internal static ShardRecord Shard(int index, UInt128 start, UInt128 end, int? parent = null, long? closedMs = null, long? endOffset = null) =>
        new(index, parent, null, start, end, 1_700_000_000_000, 1_700_000_000, closedMs, endOffset);

    [Fact]
    public async Task A_stream_comes_back_as_saved_with_its_shards_and_consumers()
    {
        var store = Open();
        var saved = new StreamRecord(
            7, "orders", "abc-def", StreamStatus.Updating, StreamMode.OnDemand, 168, 1_700_000_123_456, "KMS", "alias/aws/kinesis",
            ["IncomingBytes", "OutgoingRecords"], 2048, 40, 3, """{"op":"scale","target":4}""",
            [
                Shard(0, 0, UInt128.MaxValue, closedMs: 1_700_000_200_000, endOffset: 12),
                Shard(1, 0, UInt128.MaxValue / 2, parent: 0),
                new ShardRecord(2, 0, 1, UInt128.MaxValue / 2 + 1, UInt128.MaxValue, 5, 6, null, null),
            ],
            [new ConsumerRecord("b", 2, ConsumerStatus.Active), new ConsumerRecord("a", 1, ConsumerStatus.Creating)]);
        await store.Streams.SaveStreamAsync(saved);

        var loaded = Assert.Single(await store.Streams.LoadStreamsAsync());
        Assert.Equal(saved with { Shards = [], Consumers = [], Metrics = [] }, loaded with { Shards = [], Consumers = [], Metrics = [] });
        Assert.Equal(saved.Metrics, loaded.Metrics);
        Assert.Equal(saved.Shards, loaded.Shards);
        Assert.Equal(["a", "b"], loaded.Consumers.Select(c => c.Name)); // name order
        Assert.Equal(saved.Consumers.OrderBy(c => c.Name, StringComparer.Ordinal), loaded.Consumers);
    }

    [Fact]
    public async Task Saving_a_stream_replaces_its_shards_and_consumers_and_leaves_other_streams_alone()
    {
        var store = Open();
        await store.Streams.SaveStreamAsync(Stream(1, "a", Shard(0, 0, UInt128.MaxValue)) with { Consumers = [new ConsumerRecord("c", 1, ConsumerStatus.Active)] });
        await store.Streams.SaveStreamAsync(Stream(2, "b", Shard(0, 0, UInt128.MaxValue)));
        await store.Streams.SaveStreamAsync(Stream(1, "a", Shard(0, 0, UInt128.MaxValue, closedMs: 9, endOffset: 0), Shard(1, 0, 5, parent: 0), Shard(2, 6, UInt128.MaxValue, parent: 0)));

        var all = await store.Streams.LoadStreamsAsync();
        Assert.Equal([1L, 2L], all.Select(s => s.Id));
        Assert.Equal([0, 1, 2], all[0].Shards.Select(s => s.Index));
        Assert.Empty(all[0].Consumers);
        Assert.Single(all[1].Shards);
    }

    [Fact]
    public async Task Stream_ids_are_never_handed_out_twice_also_after_a_delete()
    {
        var store = Open();
        var first = await store.Streams.NextStreamIdAsync();
        await store.Streams.SaveStreamAsync(Stream(first));
        var second = await store.Streams.NextStreamIdAsync();
        Assert.True(second > first);
        await store.Streams.SaveStreamAsync(Stream(second, "t"));
        await store.Streams.DeleteStreamAsync(second, []);
        var third = await store.Streams.NextStreamIdAsync();
        Assert.True(third > second);
        if (!Durable) return;
        store = await ReopenAsync(store);
        Assert.True(await store.Streams.NextStreamIdAsync() > third);
    }

    [Fact]
    public async Task Deleting_a_stream_removes_it_and_the_tags_and_policies_of_the_resources_named()
    {
        var store = Open();
        await store.Streams.SaveStreamAsync(Stream(1, "a", Shard(0, 0, UInt128.MaxValue)));
        await store.Streams.SaveTagsAsync("arn:a", new Dictionary<string, string> { ["k"] = "v" });
        await store.Streams.SaveTagsAsync("arn:a/consumer/c", new Dictionary<string, string> { ["k"] = "v" });
        await store.Streams.SaveTagsAsync("arn:other", new Dictionary<string, string> { ["k"] = "v" });
        await store.Streams.SavePolicyAsync("arn:a", "{}");
        await store.Streams.SavePolicyAsync("arn:other", "{}");

        await store.Streams.DeleteStreamAsync(1, ["arn:a", "arn:a/consumer/c"]);
        await store.Streams.DeleteStreamAsync(99, []); // absent: a no-op

        Assert.Empty(await store.Streams.LoadStreamsAsync());
        Assert.Equal(["arn:other"], (await store.Streams.LoadTagsAsync()).Select(t => t.ResourceArn));
        Assert.Equal(["arn:other"], (await store.Streams.LoadPoliciesAsync()).Select(p => p.ResourceArn));
    }

    [Fact]
    public async Task Tags_are_replaced_as_a_set_and_policies_stored_verbatim()
    {
        var store = Open();
        await store.Streams.SaveTagsAsync("arn:x", new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" });
        await store.Streams.SaveTagsAsync("arn:x", new Dictionary<string, string> { ["c"] = "3" });
        await store.Streams.SaveTagsAsync("arn:y", new Dictionary<string, string> { ["z"] = "" });
        await store.Streams.SaveTagsAsync("arn:y", new Dictionary<string, string>());
        Assert.Equal([new TagRecord("arn:x", "c", "3")], await store.Streams.LoadTagsAsync());

        const string policy = """{ "Version": "2012-10-17", "Statement": [] }""";
        await store.Streams.SavePolicyAsync("arn:x", policy);
        await store.Streams.SavePolicyAsync("arn:y", "first");
        await store.Streams.SavePolicyAsync("arn:y", null);
        Assert.Equal([new PolicyRecord("arn:x", policy)], await store.Streams.LoadPoliciesAsync());
    }

    [Fact]
    public async Task Meta_values_are_set_replaced_and_added_once()
    {
        var store = Open();
        Assert.Null(await store.Meta.GetAsync("k"));
        await store.Meta.SetAsync("k", "1");
        await store.Meta.SetAsync("k", "2");
        Assert.Equal("2", await store.Meta.GetAsync("k"));
        Assert.Equal("first", await store.Meta.GetOrAddAsync("key", "first"));
        Assert.Equal("first", await store.Meta.GetOrAddAsync("key", "second"));
    }

    [Fact]
    public async Task Checkpoints_are_kept_per_consumer_replaced_per_shard_and_deleted_by_consumer_or_stream()
    {
        var store = Open();
        await store.Checkpoints.SaveAsync(
        [
            new Checkpoint("firehose:a", 1, 0, "4960", 0, false, 10),
            new Checkpoint("firehose:a", 1, 1, null, 0, false, 10),
            new Checkpoint("firehose:a", 2, 0, "5000", 3, false, 10),
            new Checkpoint("sql:b", 1, 0, "1", 0, false, 10),
        ]);
        await store.Checkpoints.SaveAsync([new Checkpoint("firehose:a", 1, 0, "4970", 2, true, 20)]);

        var a = await store.Checkpoints.LoadAsync("firehose:a");
        Assert.Equal([(1L, 0), (1L, 1), (2L, 0)], a.Select(c => (c.StreamId, c.ShardIndex)));
        Assert.Equal(new Checkpoint("firehose:a", 1, 0, "4970", 2, true, 20), a[0]);
        Assert.Null(a[1].SequenceNumber);

        await store.Checkpoints.DeleteStreamAsync(1);
        Assert.Equal([(2L, 0)], (await store.Checkpoints.LoadAsync("firehose:a")).Select(c => (c.StreamId, c.ShardIndex)));
        Assert.Empty(await store.Checkpoints.LoadAsync("sql:b"));
        await store.Checkpoints.DeleteConsumerAsync("firehose:a");
        Assert.Empty(await store.Checkpoints.LoadAsync("firehose:a"));
    }

    [Fact]
    public async Task Everything_written_is_there_after_a_restart()
    {
        if (!Durable) return;
        var store = Open();
        await store.Streams.SaveStreamAsync(Stream(3, "kept", Shard(0, 0, UInt128.MaxValue)));
        await store.Streams.SaveTagsAsync("arn:kept", new Dictionary<string, string> { ["k"] = "v" });
        await store.Streams.SavePolicyAsync("arn:kept", "p");
        await store.Meta.SetAsync("token_key", "secret");
        await store.Checkpoints.SaveAsync([new Checkpoint("c", 3, 0, "9", 0, false, 1)]);

        store = await ReopenAsync(store);

        Assert.Equal("kept", Assert.Single(await store.Streams.LoadStreamsAsync()).Name);
        Assert.Single(await store.Streams.LoadTagsAsync());
        Assert.Single(await store.Streams.LoadPoliciesAsync());
        Assert.Equal("secret", await store.Meta.GetAsync("token_key"));
        Assert.Single(await store.Checkpoints.LoadAsync("c"));
    }

    [Fact]
    public async Task Concurrent_checkpoint_and_meta_writes_are_all_kept()
    {
        var store = Open();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            for (var n = 0; n < 25; n++)
            {
                await store.Checkpoints.SaveAsync([new Checkpoint("c" + i, 1, n, n.ToString(System.Globalization.CultureInfo.InvariantCulture), 0, false, n)]);
                await store.Meta.SetAsync($"k{i}", n.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        })));
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(25, (await store.Checkpoints.LoadAsync("c" + i)).Count);
            Assert.Equal("24", await store.Meta.GetAsync($"k{i}"));
        }
    }
}

public sealed class MemoryCatalogStoreTests : CatalogContractTests
{
    protected override bool Durable => false;

    protected override ICatalogStore OpenStore(bool again = false) => new MemoryCatalogStore();
}

public sealed class SqliteCatalogStoreTests : CatalogContractTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("eddy-catalog-").FullName;

    private string Path => System.IO.Path.Combine(_directory, "catalog.db");

    protected override bool Durable => true;

    protected override ICatalogStore OpenStore(bool again = false) => SqliteCatalogStore.Open(Path);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A catalog written before schema areas existed (one <c>schema_version</c> 1, no pending_update column) is
    /// upgraded in place and its rows read.</summary>
    [Fact]
    public async Task A_version_1_catalog_is_upgraded_in_place()
    {
        using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                INSERT INTO meta VALUES('schema_version','1'), ('token_key','abc');
                CREATE TABLE streams(id INTEGER PRIMARY KEY, name TEXT NOT NULL, stream_token TEXT NOT NULL, status INTEGER NOT NULL,
                    mode INTEGER NOT NULL, retention_hours INTEGER NOT NULL, created_ms INTEGER NOT NULL, encryption_type TEXT NOT NULL,
                    key_id TEXT, metrics TEXT NOT NULL, max_record_kib INTEGER NOT NULL, warm_target INTEGER, next_shard_index INTEGER NOT NULL);
                CREATE TABLE shards(stream_id INTEGER NOT NULL, idx INTEGER NOT NULL, parent INTEGER, adjacent INTEGER, start_hash TEXT NOT NULL,
                    end_hash TEXT NOT NULL, created_ms INTEGER NOT NULL, seq_epoch INTEGER NOT NULL, closed_ms INTEGER, end_offset INTEGER,
                    PRIMARY KEY(stream_id, idx));
                CREATE TABLE consumers(stream_id INTEGER NOT NULL, name TEXT NOT NULL, created_ms INTEGER NOT NULL, status INTEGER NOT NULL,
                    PRIMARY KEY(stream_id, name));
                CREATE TABLE tags(resource_arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(resource_arn, key));
                CREATE TABLE policies(resource_arn TEXT PRIMARY KEY, policy TEXT NOT NULL);
                INSERT INTO streams VALUES(4,'old','tok',2,0,24,1700000000000,'NONE',NULL,'',1024,NULL,1);
                INSERT INTO shards VALUES(4,0,NULL,NULL,'0','340282366920938463463374607431768211455',1700000000000,1700000000,NULL,NULL);
                """;
            cmd.ExecuteNonQuery();
        }

        var store = Open();
        var old = Assert.Single(await store.Streams.LoadStreamsAsync());
        Assert.Equal(("old", null, 1), (old.Name, old.PendingUpdate, old.Shards.Count));
        Assert.Equal("abc", await store.Meta.GetAsync("token_key"));
        Assert.Null(await store.Meta.GetAsync("schema_version"));
        Assert.Equal("2", await store.Meta.GetAsync("schema:streams"));
        Assert.Equal("1", await store.Meta.GetAsync("schema:checkpoints"));
        await store.Streams.SaveStreamAsync(old with { PendingUpdate = "x" });
        Assert.Equal("x", Assert.Single(await store.Streams.LoadStreamsAsync()).PendingUpdate);
    }

    [Fact]
    public async Task A_catalog_from_a_newer_version_is_refused_with_a_clear_message()
    {
        var store = Open();
        await store.Meta.SetAsync("schema:streams", "99");
        await ReopenAsyncExpectingFailure(store);
    }

    private async Task ReopenAsyncExpectingFailure(ICatalogStore store)
    {
        await store.DisposeAsync();
        var e = Assert.Throws<CatalogException>(() => SqliteCatalogStore.Open(Path));
        Assert.Contains("newer", e.Message, StringComparison.Ordinal);
    }
}
