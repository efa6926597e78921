using Eddy.Core.Firehose;

namespace Eddy.Catalog.Tests;

/// <summary>The Firehose area of the <see cref="ICatalogStore"/> contract, run against every implementation.</summary>
public abstract class FirehoseCatalogContractTests : IAsyncLifetime
{
    private readonly List<ICatalogStore> _open = [];

    protected abstract ICatalogStore OpenStore();

    protected abstract bool Durable { get; }

    private ICatalogStore Open()
    {
        var store = OpenStore();
        _open.Add(store);
        return store;
    }

    private async Task<ICatalogStore> ReopenAsync(ICatalogStore store)
    {
        await store.DisposeAsync();
        _open.Remove(store);
        return Open();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _open)
        {
            await store.DisposeAsync();
        }
    }

    private static DeliveryStreamRecord Record(long id, string name) => new(
        id, name, FirehoseWire.DirectPut, DeliveryStreamStatus.Active, 3, 1_700_000_000_000, 1_700_000_100_000, "destinationId-000000000001",
        """{"ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::b"}}""", null, DeliveryEncryptionStatus.Enabled, "AWS_OWNED_CMK", null,
        [new("b", "2"), new("a", "1")]);

    [Fact]
    public async Task A_delivery_stream_comes_back_as_saved_with_its_tags_in_key_order()
    {
        var store = Open();
        var saved = Record(4, "orders");
        await store.Firehose.SaveDeliveryStreamAsync(saved);
        if (Durable)
        {
            store = await ReopenAsync(store);
        }

        var loaded = Assert.Single(await store.Firehose.LoadDeliveryStreamsAsync());
        Assert.Equal(saved with { Tags = [] }, loaded with { Tags = [] });
        Assert.Equal(["a", "b"], loaded.Tags.Select(t => t.Key));
    }

    [Fact]
    public async Task Ids_are_never_handed_out_twice_and_deleting_removes_tags_and_checkpoints()
    {
        var store = Open();
        var first = await store.Firehose.NextDeliveryStreamIdAsync();
        await store.Firehose.SaveDeliveryStreamAsync(Record(first, "a"));
        await store.Firehose.SaveDeliveryCheckpointAsync(new DeliveryCheckpoint(first, "destinationId-000000000001", 10, 20, "k", 5));
        await store.Firehose.DeleteDeliveryStreamAsync(first);
        var second = await store.Firehose.NextDeliveryStreamIdAsync();
        Assert.True(second > first);
        Assert.Empty(await store.Firehose.LoadDeliveryStreamsAsync());
        Assert.Empty(await store.Firehose.LoadDeliveryCheckpointsAsync());
        if (Durable)
        {
            store = await ReopenAsync(store);
            Assert.True(await store.Firehose.NextDeliveryStreamIdAsync() > second);
        }
    }

    [Fact]
    public async Task A_checkpoint_is_replaced_and_keeps_its_pending_flush()
    {
        var store = Open();
        await store.Firehose.SaveDeliveryCheckpointAsync(new DeliveryCheckpoint(2, "d", 0, 100, "2025/01/01/00/s-1-key", 1));
        await store.Firehose.SaveDeliveryCheckpointAsync(new DeliveryCheckpoint(1, "d", 7, null, null, 2));
        if (Durable)
        {
            store = await ReopenAsync(store);
        }

        Assert.Equal(
            [new DeliveryCheckpoint(1, "d", 7, null, null, 2), new DeliveryCheckpoint(2, "d", 0, 100, "2025/01/01/00/s-1-key", 1)],
            await store.Firehose.LoadDeliveryCheckpointsAsync());
        await store.Firehose.SaveDeliveryCheckpointAsync(new DeliveryCheckpoint(2, "d", 100, null, null, 3));
        Assert.Equal(100, (await store.Firehose.LoadDeliveryCheckpointsAsync())[1].DeliveredOffset);
    }
}

public sealed class MemoryFirehoseCatalogTests : FirehoseCatalogContractTests
{
    protected override bool Durable => false;

    protected override ICatalogStore OpenStore() => new MemoryCatalogStore();
}

public sealed class SqliteFirehoseCatalogTests : FirehoseCatalogContractTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("eddy-catalog-").FullName;

    protected override bool Durable => true;

    protected override ICatalogStore OpenStore() => SqliteCatalogStore.Open(Path.Combine(_directory, "catalog.db"));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
