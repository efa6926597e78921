using Eddy.Catalog;
using Eddy.Core;
using Eddy.Core.Firehose;
using Eddy.Objects;
using Eddy.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Eddy.Firehose.Tests;

/// <summary>What the engine tests stand on: the memory twins (log store, catalog, a <see cref="HeldObjectStore"/> with
/// the bucket <c>bucket</c>), a fake clock at 2026-03-04T05:06:07Z, and the engines a test started (disposed after it;
/// one removed from <see cref="Engines"/> is abandoned, as <c>kill -9</c> would leave it).</summary>
public abstract class EngineBed : IAsyncLifetime
{
    /// <summary>How long a test waits for delivery before it fails.</summary>
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private protected EngineBed()
    {
        Logs = new MemoryLogStore(Time);
        Objects = new HeldObjectStore(new MemoryObjectStore(Time));
    }

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));

    protected MemoryLogStore Logs { get; }

    protected MemoryCatalogStore Catalog { get; } = new();

    private protected HeldObjectStore Objects { get; }

    protected List<FirehoseEngine> Engines { get; } = [];

    public Task InitializeAsync() => Objects.CreateBucketAsync("bucket", CancellationToken.None);

    public async Task DisposeAsync()
    {
        foreach (var engine in Engines)
        {
            await engine.DisposeAsync();
        }
        await Logs.DisposeAsync();
    }

    /// <summary>A started engine on the bed's stores.</summary>
    protected async Task<FirehoseEngine> StartAsync(IFirehoseProcessor? processor = null, IShardReaders? readers = null)
    {
        var engine = new FirehoseEngine(new FirehoseOptions { Time = Time }, Logs, Catalog, Objects, readers, processor);
        Engines.Add(engine);
        await engine.StartAsync();
        return engine;
    }
}
