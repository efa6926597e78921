using System.Text;
using Eddy.Catalog;
using Eddy.Core;
using Eddy.Storage;

namespace Eddy.Streams.Tests;

/// <summary>System time shifted by an adjustable offset: lets tests age iterators and records without waiting.</summary>
/// <remarks>Kept instead of FakeTimeProvider on purpose: the engine also waits on this clock (shard readers' maxWait,
/// SubscribeToShard's heartbeats and back-off, the background loops' PeriodicTimer), and the tests on this fixture
/// expect those waits to end in real time. A FakeTimeProvider stops its timers until advanced, so every test that
/// reads with a wait or subscribes would have to drive the clock: a different test. Only "now" is shifted.</remarks>
internal sealed class ShiftedTime : TimeProvider
{
    public TimeSpan Offset { get; set; }
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}

/// <summary>An engine over the in-memory store (or a file store in a temp directory), with no state delay.</summary>
internal sealed class TestEngine : IAsyncDisposable
{
    public ShiftedTime Time { get; } = new();
    public string? Directory { get; }
    public StreamEngine Engine { get; private set; }
    private ILogStore _logs;
    private ICatalogStore _catalog;
    private readonly Func<EngineOptions, EngineOptions> _configure;
    private readonly Func<ILogStore, ILogStore> _wrapStore;

    /// <param name="onDisk">A file store and catalog in a temporary directory (deleted on dispose) instead of memory.</param>
    /// <param name="configure">Changes to the engine options.</param>
    /// <param name="wrapStore">Wraps the log store the engine gets (e.g. to inject write failures).</param>
    public TestEngine(bool onDisk = false, string? directory = null, Func<EngineOptions, EngineOptions>? configure = null, Func<ILogStore, ILogStore>? wrapStore = null)
    {
        _configure = configure ?? (o => o);
        _wrapStore = wrapStore ?? (s => s);
        Directory = onDisk ? directory ?? Path.Combine(Path.GetTempPath(), "eddy-engine-" + Guid.NewGuid().ToString("N")) : null;
        (_logs, _catalog, Engine) = Open();
    }

    public ILogStore Logs => _logs;

    private FileLogStore OpenFileStore() =>
        new(new LogStoreOptions { Directory = Path.Combine(Directory!, "logs"), Time = Time, Fsync = FsyncPolicy.Interval });

    private (ILogStore, ICatalogStore, StreamEngine) Open()
    {
        var logs = _wrapStore(Directory is null ? new MemoryLogStore(Time) : OpenFileStore());
        if (Directory is not null) System.IO.Directory.CreateDirectory(Directory);
        ICatalogStore catalog = Directory is null ? new MemoryCatalogStore() : SqliteCatalogStore.Open(Path.Combine(Directory, "catalog.db"));
        var options = _configure(new EngineOptions { DataDirectory = Directory, StateDelay = TimeSpan.Zero, Time = Time, ShardLimit = 50 });
        var engine = StreamEngine.OpenAsync(options, logs, catalog).GetAwaiter().GetResult(); // a test fixture's constructor
        return (logs, catalog, engine);
    }

    /// <summary>Stops the engine and its store (as a restart would) and opens them again on the same directory.
    /// <paramref name="whileStopped"/> gets the on-disk store in between, to change what the next start finds.</summary>
    public async Task ReopenAsync(Func<ILogStore, Task>? whileStopped = null)
    {
        await Engine.DisposeAsync();
        await _logs.DisposeAsync();
        await _catalog.DisposeAsync();
        if (whileStopped is not null)
        {
            await using var store = OpenFileStore();
            await whileStopped(store);
        }
        (_logs, _catalog, Engine) = Open();
    }

    public static StreamRef S(string name) => new(name, null);

    public async Task CreateActiveAsync(string name, int shards = 1, StreamMode mode = StreamMode.Provisioned)
    {
        await Engine.CreateStreamAsync(name, mode == StreamMode.OnDemand ? null : shards, mode, null, null, null);
        await WaitAsync(() => Engine.DescribeStreamSummary(S(name)).Status == StreamStatus.Active);
    }

    public static async Task WaitAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition(), "condition not reached within 5 s");
    }

    /// <summary>A record routed by an explicit hash key (partition key "k").</summary>
    public static PutEntry At(UInt128 hashKey, string data) => new(Encoding.UTF8.GetBytes("k"), Encoding.UTF8.GetBytes(data), hashKey);

    public static PutEntry Entry(string key, string data) =>
        new(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(data), HashKey.FromPartitionKey(key));

    public async Task<List<ReadRecord>> ReadAllAsync(string stream, string shardId, ShardIteratorType type = ShardIteratorType.TrimHorizon)
    {
        var iterator = Engine.GetShardIterator(S(stream), shardId, type, null, null);
        var all = new List<ReadRecord>();
        while (true)
        {
            var r = await Engine.GetRecordsAsync(iterator, null, default);
            all.AddRange(r.Records);
            if (r.NextShardIterator is null || r.Records.Count == 0) return all;
            iterator = r.NextShardIterator;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        await _logs.DisposeAsync();
        await _catalog.DisposeAsync();
        if (Directory is not null && System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }
}
