using System.Security.Cryptography;
using Eddy.Catalog;
using Eddy.Core;
using Eddy.Storage;
using Eddy.Streams.Encryption;
using Eddy.Streams.Hosting;
using Microsoft.Extensions.Hosting;

namespace Eddy.Streams;

/// <summary>
/// The Data Streams engine, one instance per server: the <see cref="IStreamEngine"/> and <see cref="IShardReaders"/>
/// the server sees, composed of parts with narrow responsibilities that share one <see cref="EngineContext"/>:
/// <see cref="ControlPlane"/> (streams, shards, resharding, retention, state transitions; with <see cref="StreamUpdates"/>,
/// <see cref="RetentionSweep"/>, <see cref="OnDemandScaling"/> and <see cref="Recovery"/>), <see cref="DataPlane"/> (put,
/// read, iterators), <see cref="ShardReaders"/>, <see cref="StreamTags"/>, <see cref="ResourcePolicies"/>,
/// <see cref="Consumers"/> with <see cref="Subscriptions"/>, <see cref="AccountSettings"/> and <see cref="EncryptionKeys"/>.
/// Every member here only delegates.
/// </summary>
/// <remarks>
/// Life cycle: the constructor does no I/O; <see cref="StartAsync"/> loads and recovers. The background loops (state
/// transitions, retention sweep, on-demand scaling) are hosted services: <c>services.AddEddyStreams(...)</c> registers
/// them with the engine, or <see cref="OpenAsync"/> starts and owns them (tools and tests without a host).
/// Threading contract: control-plane actions run one at a time under the control lock (<see cref="ControlLock"/>); the
/// data plane takes no lock (see <see cref="DataPlane"/>).
/// </remarks>
public sealed class StreamEngine : IStreamEngine, IShardReaders, IAsyncDisposable
{
    private readonly ControlPlane _control;
    private readonly DataPlane _data;
    private readonly ShardReaders _readers;
    private readonly StreamTags _tags;
    private readonly ResourcePolicies _policies;
    private readonly Consumers _consumers;
    private readonly AccountSettings _settings;
    private readonly Recovery _recovery;
    private int _started;
    private int _disposed;
    private IHostedService[] _ownedLoops = [];

    /// <summary>An engine over a log store and a catalog, not started yet (<see cref="StartAsync"/>). The caller owns
    /// <paramref name="logs"/> and <paramref name="catalog"/> and disposes them after the engine.</summary>
    public StreamEngine(EngineOptions options, ILogStore logs, ICatalogStore catalog)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logs);
        ArgumentNullException.ThrowIfNull(catalog);
        Context = new EngineContext(options, logs, catalog);
        var keys = new EncryptionKeys(options);
        var updates = new StreamUpdates(Context, keys);
        _data = new DataPlane(Context, keys);
        _readers = new ShardReaders(Context, _data);
        _tags = new StreamTags(Context);
        _policies = new ResourcePolicies(Context);
        _settings = new AccountSettings(Context);
        var subscriptions = new Subscriptions(Context, _data);
        _consumers = new Consumers(Context, _tags, _policies, subscriptions);
        _control = new ControlPlane(Context, updates, _tags, _policies, _settings, keys, subscriptions);
        _recovery = new Recovery(Context, _control, updates, _tags, _policies, _settings);
        Sweep = new RetentionSweep(Context);
        Scaling = new OnDemandScaling(Context, updates);
    }

    internal EngineContext Context { get; }
    internal RetentionSweep Sweep { get; }
    internal OnDemandScaling Scaling { get; }

    /// <summary>
    /// Opens the engine on a log store and a catalog without a host: <see cref="StartAsync"/>, then starts the background
    /// loops itself (the engine stops them when disposed). The caller owns <paramref name="logs"/> and
    /// <paramref name="catalog"/> and disposes them after the engine.
    /// </summary>
    public static async Task<StreamEngine> OpenAsync(EngineOptions options, ILogStore logs, ICatalogStore catalog, CancellationToken cancellationToken = default)
    {
        var engine = new StreamEngine(options, logs, catalog);
        await engine.StartAsync(cancellationToken).ConfigureAwait(false);
        IHostedService[] loops = [.. StreamsServiceCollectionExtensions.Loops(engine)];
        foreach (var loop in loops) await loop.StartAsync(cancellationToken).ConfigureAwait(false);
        engine._ownedLoops = loops;
        return engine;
    }

    /// <summary>
    /// Loads every stream and recovers: carries out acknowledged changes a stop interrupted and reconciles the logs with
    /// the catalog. Once; before any action. (The background loops are separate: hosted services, or <see cref="OpenAsync"/>.)
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) throw new InvalidOperationException("The stream engine has already been started.");
        var key = await Context.Store.Meta.GetOrAddAsync("token_key", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), cancellationToken).ConfigureAwait(false);
        Context.SetTokenKey(Convert.FromBase64String(key));
        await _recovery.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    public string Account => Context.Account;
    public string Region => Context.Region;

    /// <inheritdoc cref="RetentionSweep.SweepOnceAsync"/>
    internal Task<int> SweepOnceAsync() => Sweep.SweepOnceAsync();

    // ---- control plane --------------------------------------------------------------------------------------------

    public Task CreateStreamAsync(string name, int? shardCount, StreamMode? mode, IReadOnlyDictionary<string, string>? tags, int? warmThroughputMiBps, int? maxRecordSizeInKiB) =>
        _control.CreateStreamAsync(name, shardCount, mode, tags, warmThroughputMiBps, maxRecordSizeInKiB);
    public Task DeleteStreamAsync(StreamRef stream, bool enforceConsumerDeletion) => _control.DeleteStreamAsync(stream, enforceConsumerDeletion);
    public ValueTask<StreamPage> DescribeStreamAsync(StreamRef stream, int? limit, string? exclusiveStartShardId) => _control.DescribeStreamAsync(stream, limit, exclusiveStartShardId);
    public ValueTask<StreamView> DescribeStreamSummaryAsync(StreamRef stream) => _control.DescribeStreamSummaryAsync(stream);
    public ValueTask<ListStreamsResult> ListStreamsAsync(int? limit, string? exclusiveStartStreamName, string? nextToken) => _control.ListStreamsAsync(limit, exclusiveStartStreamName, nextToken);
    public ValueTask<ListShardsResult> ListShardsAsync(StreamRef stream, string? nextToken, string? exclusiveStartShardId, int? maxResults, DateTimeOffset? streamCreationTimestamp, ShardFilterType? filterType, string? filterShardId, DateTimeOffset? filterTimestamp) =>
        _control.ListShardsAsync(stream, nextToken, exclusiveStartShardId, maxResults, streamCreationTimestamp, filterType, filterShardId, filterTimestamp);
    public Task SplitShardAsync(StreamRef stream, string shardToSplit, string newStartingHashKey) => _control.SplitShardAsync(stream, shardToSplit, newStartingHashKey);
    public Task MergeShardsAsync(StreamRef stream, string shardToMerge, string adjacentShardToMerge) => _control.MergeShardsAsync(stream, shardToMerge, adjacentShardToMerge);
    public Task<ShardCountChange> UpdateShardCountAsync(StreamRef stream, int targetShardCount) => _control.UpdateShardCountAsync(stream, targetShardCount);
    public Task ChangeRetentionAsync(StreamRef stream, int hours, bool increase) => _control.ChangeRetentionAsync(stream, hours, increase);
    public Task StartEncryptionAsync(StreamRef stream, string encryptionType, string keyId) => _control.StartEncryptionAsync(stream, encryptionType, keyId);
    public Task StopEncryptionAsync(StreamRef stream, string encryptionType, string keyId) => _control.StopEncryptionAsync(stream, encryptionType, keyId);
    public Task<MonitoringChange> SetEnhancedMonitoringAsync(StreamRef stream, IReadOnlyList<string> metrics, bool enable) => _control.SetEnhancedMonitoringAsync(stream, metrics, enable);
    public Task UpdateStreamModeAsync(string streamArn, StreamMode mode, int? warmThroughputMiBps) => _control.UpdateStreamModeAsync(streamArn, mode, warmThroughputMiBps);
    public Task UpdateMaxRecordSizeAsync(StreamRef stream, int maxRecordSizeInKiB) => _control.UpdateMaxRecordSizeAsync(stream, maxRecordSizeInKiB);
    public Task<WarmThroughputView> UpdateWarmThroughputAsync(StreamRef stream, int warmThroughputMiBps) => _control.UpdateWarmThroughputAsync(stream, warmThroughputMiBps);

    // ---- data plane and readers -----------------------------------------------------------------------------------

    public int MaxRecordBytes(StreamRef stream) => _data.MaxRecordBytes(stream);
    public ValueTask<PutRecordsResult> PutRecordAsync(StreamRef stream, PutEntry entry, string? sequenceNumberForOrdering) => _data.PutRecordAsync(stream, entry, sequenceNumberForOrdering);
    public ValueTask<PutRecordsResult> PutRecordsAsync(StreamRef stream, IReadOnlyList<PutEntry> entries) => _data.PutRecordsAsync(stream, entries);
    public string GetShardIterator(StreamRef stream, string shardId, ShardIteratorType type, string? startingSequenceNumber, DateTimeOffset? timestamp) =>
        _data.GetShardIterator(stream, shardId, type, startingSequenceNumber, timestamp);
    public ValueTask<GetRecordsResult> GetRecordsAsync(string shardIterator, int? limit, StreamRef stream) => _data.GetRecordsAsync(shardIterator, limit, stream);
    public string? StreamArnOfIterator(string shardIterator) => _data.StreamArnOfIterator(shardIterator);
    public ValueTask<IShardReader> OpenReaderAsync(StreamRef stream, string shardId, ShardPosition from) => _readers.OpenReaderAsync(stream, shardId, from);
    public ValueTask<StreamShards> DescribeShardsAsync(StreamRef stream) => _readers.DescribeShardsAsync(stream);

    // ---- tags, consumers, account settings, resource policies ---------------------------------------------------

    public Task AddTagsAsync(StreamRef stream, IReadOnlyDictionary<string, string> tags) => _tags.AddTagsAsync(stream, tags);
    public Task RemoveTagsAsync(StreamRef stream, IReadOnlyList<string> keys) => _tags.RemoveTagsAsync(stream, keys);
    public ValueTask<TagListResult> ListTagsForStreamAsync(StreamRef stream, string? exclusiveStartTagKey, int? limit) => _tags.ListTagsForStreamAsync(stream, exclusiveStartTagKey, limit);
    public Task TagResourceAsync(string resourceArn, IReadOnlyDictionary<string, string> tags) => _tags.TagResourceAsync(resourceArn, tags);
    public Task UntagResourceAsync(string resourceArn, IReadOnlyList<string> keys) => _tags.UntagResourceAsync(resourceArn, keys);
    public ValueTask<IReadOnlyList<KeyValuePair<string, string>>> ListTagsForResourceAsync(string resourceArn) => _tags.ListTagsForResourceAsync(resourceArn);

    public Task<ConsumerView> RegisterConsumerAsync(string streamArn, string consumerName, IReadOnlyDictionary<string, string>? tags) => _consumers.RegisterConsumerAsync(streamArn, consumerName, tags);
    public ValueTask<ConsumerView> DescribeConsumerAsync(string? streamArn, string? consumerName, string? consumerArn) => _consumers.DescribeConsumerAsync(streamArn, consumerName, consumerArn);
    public ValueTask<ListConsumersResult> ListConsumersAsync(string streamArn, string? nextToken, int? maxResults, DateTimeOffset? streamCreationTimestamp) =>
        _consumers.ListConsumersAsync(streamArn, nextToken, maxResults, streamCreationTimestamp);
    public Task DeregisterConsumerAsync(string? streamArn, string? consumerName, string? consumerArn) => _consumers.DeregisterConsumerAsync(streamArn, consumerName, consumerArn);
    public Task<IShardSubscription> SubscribeToShardAsync(string consumerArn, string shardId, ShardIteratorType type, string? startingSequenceNumber, DateTimeOffset? timestamp) =>
        _consumers.SubscribeToShardAsync(consumerArn, shardId, type, startingSequenceNumber, timestamp);

    public ValueTask<LimitsView> DescribeLimitsAsync() => _settings.DescribeLimitsAsync();
    public ValueTask<BillingCommitment> DescribeAccountSettingsAsync() => _settings.DescribeAccountSettingsAsync();
    public Task<BillingCommitment> UpdateAccountSettingsAsync(string status) => _settings.UpdateAccountSettingsAsync(status);

    public Task PutResourcePolicyAsync(string resourceArn, string policy) => _policies.PutResourcePolicyAsync(resourceArn, policy);
    public ValueTask<string> GetResourcePolicyAsync(string resourceArn) => _policies.GetResourcePolicyAsync(resourceArn);
    public string? FindResourcePolicy(string resourceArn) => _policies.FindResourcePolicy(resourceArn);
    public Task DeleteResourcePolicyAsync(string resourceArn) => _policies.DeleteResourcePolicyAsync(resourceArn);

    /// <summary>Stops the loops <see cref="OpenAsync"/> started (hosted loops are stopped by their host first), then
    /// releases the codecs. The log store and the catalog are the caller's to flush and close, after this. Idempotent
    /// (a container that registered the engine under several service types disposes it once per registration).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        var loops = Interlocked.Exchange(ref _ownedLoops, []);
        for (var i = loops.Length - 1; i >= 0; i--) await loops[i].StopAsync(CancellationToken.None).ConfigureAwait(false);
        foreach (var loop in loops) (loop as IDisposable)?.Dispose();
        Context.DisposeCodecs();
    }
}
