using Eddy.Core;

namespace Eddy.Catalog;

/// <summary>
/// <see cref="ICatalogStore"/> in memory: the twin of <see cref="SqliteCatalogStore"/> for <c>--in-memory</c> servers and
/// tests. Same contract (the contract tests run against both); nothing survives the process.
/// </summary>
/// <remarks>Thread-safe: every operation under one lock. Records are immutable and copied in (lists become arrays), so a
/// caller's later changes to its own lists never reach the store.</remarks>
public sealed partial class MemoryCatalogStore : ICatalogStore, IStreamCatalog, ICheckpointStore, IMetaStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _meta = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, StreamRecord> _streams = [];
    private readonly SortedDictionary<(string Arn, string Key), string> _tags = new(Comparer<(string, string)>.Create((a, b) =>
    {
        var c = string.CompareOrdinal(a.Item1, b.Item1);
        return c != 0 ? c : string.CompareOrdinal(a.Item2, b.Item2);
    }));
    private readonly SortedDictionary<string, string> _policies = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Consumer, long StreamId, int Shard), Checkpoint> _checkpoints = [];
    private long _nextStreamId = 1;

    public IStreamCatalog Streams => this;
    public ICheckpointStore Checkpoints => this;
    public IMetaStore Meta => this;

    ValueTask<string?> IMetaStore.GetAsync(string key, CancellationToken cancellationToken) => Locked(() => _meta.GetValueOrDefault(key));

    ValueTask IMetaStore.SetAsync(string key, string value, CancellationToken cancellationToken) => Locked(() => { _meta[key] = value; });

    ValueTask<string> IMetaStore.GetOrAddAsync(string key, string value, CancellationToken cancellationToken) => Locked(() =>
    {
        _meta.TryAdd(key, value);
        return _meta[key];
    });

    ValueTask<long> IStreamCatalog.NextStreamIdAsync(CancellationToken cancellationToken) => Locked(() => _nextStreamId++);

    ValueTask IStreamCatalog.SaveStreamAsync(StreamRecord stream, CancellationToken cancellationToken) => Locked(() =>
    {
        _streams[stream.Id] = stream with
        {
            Metrics = [.. stream.Metrics],
            Shards = [.. stream.Shards.OrderBy(s => s.Index)],
            Consumers = [.. stream.Consumers.OrderBy(c => c.Name, StringComparer.Ordinal)],
        };
        _nextStreamId = Math.Max(_nextStreamId, stream.Id + 1);
    });

    ValueTask IStreamCatalog.DeleteStreamAsync(long streamId, IReadOnlyList<string> resourceArns, CancellationToken cancellationToken) => Locked(() =>
    {
        _streams.Remove(streamId);
        foreach (var arn in resourceArns)
        {
            RemoveTags(arn);
            _policies.Remove(arn);
        }
    });

    ValueTask IStreamCatalog.SaveTagsAsync(string resourceArn, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) => Locked(() =>
    {
        RemoveTags(resourceArn);
        foreach (var (k, v) in tags) _tags[(resourceArn, k)] = v;
    });

    ValueTask IStreamCatalog.SavePolicyAsync(string resourceArn, string? policy, CancellationToken cancellationToken) => Locked(() =>
    {
        if (policy is null) _policies.Remove(resourceArn);
        else _policies[resourceArn] = policy;
    });

    ValueTask<IReadOnlyList<StreamRecord>> IStreamCatalog.LoadStreamsAsync(CancellationToken cancellationToken) =>
        Locked<IReadOnlyList<StreamRecord>>(() => [.. _streams.Values]);

    ValueTask<IReadOnlyList<TagRecord>> IStreamCatalog.LoadTagsAsync(CancellationToken cancellationToken) =>
        Locked<IReadOnlyList<TagRecord>>(() => [.. _tags.Select(t => new TagRecord(t.Key.Arn, t.Key.Key, t.Value))]);

    ValueTask<IReadOnlyList<PolicyRecord>> IStreamCatalog.LoadPoliciesAsync(CancellationToken cancellationToken) =>
        Locked<IReadOnlyList<PolicyRecord>>(() => [.. _policies.Select(p => new PolicyRecord(p.Key, p.Value))]);

    ValueTask<IReadOnlyList<Checkpoint>> ICheckpointStore.LoadAsync(string consumer, CancellationToken cancellationToken) =>
        Locked<IReadOnlyList<Checkpoint>>(() => [.. _checkpoints.Values.Where(c => c.Consumer == consumer).OrderBy(c => c.StreamId).ThenBy(c => c.ShardIndex)]);

    ValueTask ICheckpointStore.SaveAsync(IReadOnlyList<Checkpoint> checkpoints, CancellationToken cancellationToken) => Locked(() =>
    {
        foreach (var c in checkpoints) _checkpoints[(c.Consumer, c.StreamId, c.ShardIndex)] = c;
    });

    ValueTask ICheckpointStore.DeleteConsumerAsync(string consumer, CancellationToken cancellationToken) => Locked(() =>
    {
        foreach (var key in _checkpoints.Keys.Where(k => k.Consumer == consumer).ToList()) _checkpoints.Remove(key);
    });

    ValueTask ICheckpointStore.DeleteStreamAsync(long streamId, CancellationToken cancellationToken) => Locked(() =>
    {
        foreach (var key in _checkpoints.Keys.Where(k => k.StreamId == streamId).ToList()) _checkpoints.Remove(key);
    });

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void RemoveTags(string arn)
    {
        foreach (var key in _tags.Keys.Where(k => k.Arn == arn).ToList()) _tags.Remove(key);
    }

    private ValueTask Locked(Action action)
    {
        lock (_gate) action();
        return ValueTask.CompletedTask;
    }

    private ValueTask<T> Locked<T>(Func<T> action)
    {
        lock (_gate) return ValueTask.FromResult(action());
    }
}
