using System.Security.Cryptography;
using Eddy.Core;
using Eddy.Streams.Encryption;

namespace Eddy.Streams;

/// <summary>
/// Streams and shards: create, delete, describe and list, resharding, retention, and the stream settings whose change
/// is a state transition (encryption, monitoring, mode, record size, warm throughput). Every action runs under the
/// control lock and writes the catalog before it returns; deferred transitions go through <see cref="StreamUpdates"/>.
/// </summary>
internal sealed class ControlPlane(
    EngineContext context, StreamUpdates updates, StreamTags tags, ResourcePolicies policies, AccountSettings settings,
    EncryptionKeys keys, Subscriptions subscriptions) : IStreamControlPlane
{
    private const int OnDemandInitialShards = 4;
    private const int ShardCountUpdatesPerDay = 10;

    private static readonly string[] s_allMetrics =
    [
        "IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
        "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds",
    ];

    private string Account => context.Account;
    private StreamTable Streams => context.Streams;
    private ControlLock Control => context.Control;

    // ---- lifecycle ------------------------------------------------------------------------------------------------

    public Task CreateStreamAsync(string name, int? shardCount, StreamMode? requestedMode, IReadOnlyDictionary<string, string>? tagSet, int? warmThroughputMiBps, int? maxRecordSizeInKiB) =>
        Control.WriteAsync(async () =>
        {
            var mode = requestedMode ?? (shardCount is null ? StreamMode.OnDemand : StreamMode.Provisioned);
            if (Streams.Contains(name))
                throw new KinesisException(ErrorCode.ResourceInUseException, $"Stream {name} under account {Account} already exists.");
            if (mode == StreamMode.Provisioned && shardCount is null)
                throw KinesisException.Invalid("ShardCount is required for streams in PROVISIONED mode.");
            if (warmThroughputMiBps is not null) settings.CheckWarmThroughputAllowed(mode);
            var count = mode == StreamMode.OnDemand ? OnDemandInitialShards : shardCount!.Value;
            if (mode == StreamMode.OnDemand) settings.CheckOnDemandStreamLimit();
            settings.CheckShardLimit(count);
            if (tagSet is not null) tags.CheckTags(name, tagSet, 0);

            var now = context.NowMs;
            var s = new StreamState
            {
                Id = await context.Catalog.NextStreamIdAsync().ConfigureAwait(false), Name = name, Arn = Streams.StreamArn(name), StreamToken = NewStreamToken(), CreatedMs = now,
                Status = StreamStatus.Creating, Mode = mode, MaxRecordKiB = maxRecordSizeInKiB ?? 1024, WarmTargetMiBps = warmThroughputMiBps,
            };
            var ranges = HashKey.EvenSplit(count);
            s.SetShards([.. ranges.Select(r => context.NewShard(s, null, null, r, now, now / 1000))]);
            await context.SaveAsync(s).ConfigureAwait(false);
            if (tagSet is { Count: > 0 }) await tags.SaveTagsAsync(s.Arn, tagSet, replace: true).ConfigureAwait(false);
            Streams.Add(s);
            tags.ApplyTagSettings(s.Arn);
            await Control.LaterAsync(async () =>
            {
                if (s.Status != StreamStatus.Creating) return;
                s.Status = StreamStatus.Active;
                await context.SaveAsync(s).ConfigureAwait(false);
            }).ConfigureAwait(false);
        });

    public Task DeleteStreamAsync(StreamRef stream, bool enforceConsumerDeletion) =>
        Control.WriteAsync(async () =>
        {
            var s = Streams.Resolve(stream);
            if (s.Status == StreamStatus.Deleting) return;
            if (s.Consumers.Count > 0 && !enforceConsumerDeletion)
            {
                throw new KinesisException(ErrorCode.ResourceInUseException,
                    $"Stream {s.Name} under account {Account} has registered consumers. Deregister them or set EnforceConsumerDeletion.");
            }

            s.Status = StreamStatus.Deleting;
            await context.SaveAsync(s).ConfigureAwait(false);
            subscriptions.EndWhere(sub => sub.StreamId == s.Id, KinesisException.StreamNotFound(s.Name, Account));
            await Control.LaterAsync(() => DeleteNowAsync(s)).ConfigureAwait(false);
        });

    /// <summary>Removes a DELETING stream: from memory, its tags and policies (and its consumers'), its catalog rows and
    /// checkpoints, and its logs.</summary>
    public async Task DeleteNowAsync(StreamState s)
    {
        Streams.Remove(s);
        var arns = new List<string> { s.Arn };
        arns.AddRange(s.Consumers.Select(c => c.Arn(s.Arn)));
        foreach (var arn in arns)
        {
            tags.Forget(arn);
            policies.Forget(arn);
        }
        await context.Catalog.DeleteStreamAsync(s.Id, arns).ConfigureAwait(false);
        await context.Store.Checkpoints.DeleteStreamAsync(s.Id).ConfigureAwait(false);
        foreach (var shard in s.Shards) await context.Logs.DeleteAsync(shard.Log.Id).ConfigureAwait(false);
    }

    // ---- describe and list -----------------------------------------------------------------------------------------

    public ValueTask<StreamPage> DescribeStreamAsync(StreamRef stream, int? limit, string? exclusiveStartShardId) => Control.ReadAsync(() =>
    {
        var s = Streams.Resolve(stream);
        var after = -1;
        if (exclusiveStartShardId is not null && ShardId.TryParse(exclusiveStartShardId, out var i)) after = i;
        var take = Math.Min(limit ?? 100, 100);
        var shards = Streams.RetainedShards(s).Where(sh => sh.Index > after).ToList();
        return new StreamPage(View(s), [.. shards.Take(take).Select(ShardView)], shards.Count > take);
    });

    public ValueTask<StreamView> DescribeStreamSummaryAsync(StreamRef stream) => Control.ReadAsync(() => View(Streams.Resolve(stream)));

    public ValueTask<ListStreamsResult> ListStreamsAsync(int? limit, string? exclusiveStartStreamName, string? nextToken) => Control.ReadAsync(() =>
    {
        if (nextToken is not null && exclusiveStartStreamName is not null)
            throw KinesisException.Invalid("NextToken and ExclusiveStartStreamName cannot be provided together.");
        var after = exclusiveStartStreamName;
        if (nextToken is not null) after = context.Pages.Decode(nextToken, 0).After;
        var take = Math.Min(limit ?? 100, 100);
        var names = Streams.All.Where(s => after is null || string.CompareOrdinal(s.Name, after) > 0)
            .OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        var page = names.Take(take).Select(View).ToList();
        var more = names.Count > take;
        return new ListStreamsResult(page, more, more ? context.Pages.Encode(0, page[^1].Name) : null);
    });

    public ValueTask<ListShardsResult> ListShardsAsync(StreamRef stream, string? nextToken, string? exclusiveStartShardId, int? maxResults,
        DateTimeOffset? streamCreationTimestamp, ShardFilterType? filterType, string? filterShardId, DateTimeOffset? filterTimestamp) => Control.ReadAsync(() =>
    {
        StreamState s;
        var after = -1;
        if (nextToken is not null)
        {
            if (stream.Name is not null || stream.Arn is not null)
                throw KinesisException.Invalid("NextToken and StreamName cannot be provided together.");
            var token = context.Pages.Decode(nextToken, -1);
            s = Streams.FindById(token.Scope) ?? throw KinesisException.Invalid("Invalid NextToken.");
            var parts = token.After.Split('|');
            after = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            if (parts[1].Length > 0) filterType = Enum.Parse<ShardFilterType>(parts[1]);
            if (parts[2].Length > 0) filterTimestamp = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            if (stream.Name is null && stream.Arn is null) throw KinesisException.Invalid("Either NextToken or StreamName should be provided.");
            s = Streams.Resolve(stream);
            if (streamCreationTimestamp is { } created && created.ToUnixTimeMilliseconds() / 1000 != s.CreatedMs / 1000)
                throw KinesisException.StreamNotFound(s.Name, Account);
            if (exclusiveStartShardId is not null && ShardId.TryParse(exclusiveStartShardId, out var i)) after = i;
            if (filterType == ShardFilterType.AfterShardId)
            {
                if (filterShardId is null) throw KinesisException.Invalid("ShardId must be specified when ShardFilter type is AFTER_SHARD_ID.");
                if (ShardId.TryParse(filterShardId, out var j)) after = Math.Max(after, j);
            }
            if (filterType is ShardFilterType.AtTimestamp or ShardFilterType.FromTimestamp && filterTimestamp is null)
                throw KinesisException.Invalid($"Timestamp must be specified when ShardFilter type is {(filterType == ShardFilterType.AtTimestamp ? "AT_TIMESTAMP" : "FROM_TIMESTAMP")}.");
        }
        if (s.Status is not (StreamStatus.Active or StreamStatus.Updating)) throw KinesisException.NotActive(s.Name, Account, s.Status);

        var retained = Streams.RetainedShards(s).ToList();
        var selected = FilterShards(s, retained, filterType ?? ShardFilterType.FromTrimHorizon, filterTimestamp?.ToUnixTimeMilliseconds())
            .Where(sh => sh.Index > after).ToList();
        var take = Math.Min(maxResults ?? 1000, 1000);
        var page = selected.Take(take).ToList();
        string? next = null;
        if (selected.Count > take)
            next = context.Pages.Encode(s.Id, $"{page[^1].Index}|{filterType?.ToString() ?? ""}|{filterTimestamp?.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) ?? ""}");
        return new ListShardsResult([.. page.Select(ShardView)], next);
    });

    private IEnumerable<ShardState> FilterShards(StreamState s, List<ShardState> retained, ShardFilterType type, long? timestampMs)
    {
        var retainedIds = retained.Select(sh => sh.Index).ToHashSet();
        bool IsRoot(ShardState sh) => (sh.Parent is not { } p || !retainedIds.Contains(p)) && (sh.AdjacentParent is not { } a || !retainedIds.Contains(a));
        var horizon = context.NowMs - s.RetentionMs;
        switch (type)
        {
            case ShardFilterType.AtLatest:
                return retained.Where(sh => sh.IsOpen);
            case ShardFilterType.AtTrimHorizon:
                return retained.Where(IsRoot);
            case ShardFilterType.AtTimestamp:
                {
                    var t = timestampMs!.Value;
                    if (t < s.CreatedMs || t < horizon) return retained.Where(IsRoot);
                    return retained.Where(sh => sh.CreatedMs <= t && (sh.ClosedMs is not { } c || c > t));
                }
            case ShardFilterType.FromTimestamp:
                {
                    var t = timestampMs!.Value;
                    if (t < horizon) return retained;
                    return retained.Where(sh => sh.ClosedMs is not { } c || c >= t);
                }
            default:
                return retained;
        }
    }

    private static StreamView View(StreamState s) => new(
        s.Name, s.Arn, s.StreamToken, s.Status, s.Mode, s.RetentionHours, DateTimeOffset.FromUnixTimeMilliseconds(s.CreatedMs),
        [.. s.ShardLevelMetrics], s.EncryptionType, s.KeyId, s.OpenShards.Length, s.Consumers.Count, s.MaxRecordKiB,
        s.WarmTargetMiBps, s.WarmTargetMiBps is null ? null : s.Status == StreamStatus.Active ? s.WarmTargetMiBps : 0, s.LastScaling);

    private static ShardView ShardView(ShardState sh) => new(
        sh.Id, sh.Parent is { } p ? ShardId.Format(p) : null, sh.AdjacentParent is { } a ? ShardId.Format(a) : null,
        sh.Range, sh.StartingSequenceNumber, sh.EndingSequenceNumber);

    private static string NewStreamToken()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        return RandomNumberGenerator.GetString(alphabet, 20) + "-" + RandomNumberGenerator.GetString(alphabet, 3);
    }

    // ---- resharding and retention ----------------------------------------------------------------------------------

    public Task SplitShardAsync(StreamRef stream, string shardToSplit, string newStartingHashKey) =>
        Control.WriteAsync(() =>
        {
            Streams.CheckShardIds(stream, shardToSplit);
            var s = ResolveReshardable(stream);
            var parent = ResolveOpenShard(s, shardToSplit);
            if (!HashKey.TryParse(newStartingHashKey, out var key) || key <= parent.Range.Start + 1 || key >= parent.Range.End)
            {
                throw KinesisException.Invalid($"NewStartingHashKey {newStartingHashKey} used in SplitShard() on shard {parent.Id} in stream {s.Name} under account {Account} " +
                    $"is not both greater than one plus the shard's StartingHashKey {parent.Range.Start} and less than the shard's EndingHashKey {parent.Range.End}.");
            }

            settings.CheckShardLimit(1);
            return updates.BeginAsync(s, new PendingUpdate.Split(parent.Index, key));
        });

    public Task MergeShardsAsync(StreamRef stream, string shardToMerge, string adjacentShardToMerge) =>
        Control.WriteAsync(() =>
        {
            Streams.CheckShardIds(stream, shardToMerge, adjacentShardToMerge);
            var s = ResolveReshardable(stream);
            var first = ResolveOpenShard(s, shardToMerge);
            var second = ResolveOpenShard(s, adjacentShardToMerge);
            if (first.Range.End == UInt128.MaxValue || first.Range.End + 1 != second.Range.Start)
                throw KinesisException.Invalid($"Shards {first.Id} and {second.Id} in stream {s.Name} under account {Account} are not an adjacent pair of shards eligible for merging");
            return updates.BeginAsync(s, new PendingUpdate.Merge(first.Index, second.Index));
        });

    public Task<ShardCountChange> UpdateShardCountAsync(StreamRef stream, int targetShardCount) =>
        Control.WriteAsync(async () =>
        {
            var s = ResolveReshardable(stream);
            var current = s.OpenShards.Length;
            if (targetShardCount > current * 2)
                throw KinesisException.Invalid($"UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: {current} Target shard count: {targetShardCount}");
            if (targetShardCount < (current + 1) / 2)
                throw KinesisException.Invalid($"UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: {current} Target shard count: {targetShardCount}");
            var now = context.NowMs;
            s.ShardCountUpdates.RemoveAll(t => t < now - 86_400_000);
            if (s.ShardCountUpdates.Count >= ShardCountUpdatesPerDay)
            {
                throw new KinesisException(ErrorCode.LimitExceededException,
                    $"Exceeded the number of UpdateShardCount operations allowed for stream {s.Name} under account {Account} in a rolling 24-hour period ({ShardCountUpdatesPerDay}).");
            }

            if (targetShardCount > current) settings.CheckShardLimit(targetShardCount - current);
            s.ShardCountUpdates.Add(now);
            await updates.BeginAsync(s, new PendingUpdate.Scale(targetShardCount)).ConfigureAwait(false);
            return new ShardCountChange(s.Name, s.Arn, current, targetShardCount);
        });

    private StreamState ResolveReshardable(StreamRef stream)
    {
        var s = Streams.ResolveActive(stream);
        if (s.Mode == StreamMode.OnDemand)
            throw KinesisException.Validation($"This operation is not supported for stream {s.Name} under account {Account} in ON_DEMAND mode. Switch the stream to PROVISIONED mode first.");
        return s;
    }

    private ShardState ResolveOpenShard(StreamState s, string shardId)
    {
        var shard = Streams.ResolveShard(s, shardId);
        return shard.IsOpen ? shard : throw new KinesisException(ErrorCode.ResourceInUseException,
            $"Shard {shard.Id} in stream {s.Name} under account {Account} has already been merged or split, and thus is not eligible for merging or splitting.");
    }

    public Task ChangeRetentionAsync(StreamRef stream, int hours, bool increase) =>
        Control.WriteAsync(async () =>
        {
            var s = Streams.ResolveActive(stream);
            if (hours < 24)
                throw KinesisException.Invalid($"Minimum allowed retention period is 24 hours. Requested retention period ({hours} hours) is too short.");
            if (hours > 8760)
                throw KinesisException.Invalid($"Maximum allowed retention period is 8760 hours. Requested retention period ({hours} hours) is too long.");
            if (increase && hours < s.RetentionHours)
                throw KinesisException.Invalid($"Requested retention period ({hours} hours) for stream {s.Name} can not be shorter than existing retention period ({s.RetentionHours} hours). Use DecreaseRetentionPeriod API.");
            if (!increase && hours > s.RetentionHours)
                throw KinesisException.Invalid($"Requested retention period ({hours} hours) for stream {s.Name} can not be longer than existing retention period ({s.RetentionHours} hours). Use IncreaseRetentionPeriod API.");
            var previous = s.RetentionHours;
            s.RetentionHours = hours;
            try
            {
                await context.SaveAsync(s).ConfigureAwait(false);
            }
            catch
            {
                s.RetentionHours = previous;
                throw;
            }
        });

    // ---- stream settings ---------------------------------------------------------------------------------------------

    public Task StartEncryptionAsync(StreamRef stream, string encryptionType, string keyId) => ChangeEncryption(stream, encryptionType, keyId, start: true);

    public Task StopEncryptionAsync(StreamRef stream, string encryptionType, string keyId) => ChangeEncryption(stream, encryptionType, keyId, start: false);

    private Task ChangeEncryption(StreamRef stream, string encryptionType, string keyId, bool start) =>
        Control.WriteAsync(() =>
        {
            var s = Streams.ResolveActive(stream);
            if (encryptionType != "KMS")
                throw KinesisException.Invalid($"Encryption type {encryptionType} is not supported; only KMS is.");
            // The KeyId resolves now (KMS* errors, alias/aws/kinesis created on first use); records written once the
            // stream is ACTIVE again are sealed under it. The stream keeps reporting the KeyId as given, like AWS.
            if (start) keys.CheckResolves(keyId);
            return updates.BeginAsync(s, new PendingUpdate.Encryption(start ? keyId : null));
        });

    public Task<MonitoringChange> SetEnhancedMonitoringAsync(StreamRef stream, IReadOnlyList<string> metrics, bool enable) =>
        Control.WriteAsync(async () =>
        {
            var s = Streams.ResolveActive(stream);
            var requested = metrics.Contains("ALL") ? s_allMetrics : [.. metrics];
            var current = s.ShardLevelMetrics.ToList();
            var desired = s_allMetrics.Where(m => enable ? current.Contains(m) || requested.Contains(m) : current.Contains(m) && !requested.Contains(m)).ToList();
            s.ShardLevelMetrics = desired;
            await context.SaveAsync(s).ConfigureAwait(false);
            return new MonitoringChange(s.Name, s.Arn, current, desired);
        });

    public Task UpdateStreamModeAsync(string streamArn, StreamMode mode, int? warmThroughputMiBps) =>
        Control.WriteAsync(() =>
        {
            var s = Streams.ResolveActive(new StreamRef(null, streamArn));
            if (warmThroughputMiBps is not null) settings.CheckWarmThroughputAllowed(mode);
            if (mode == StreamMode.OnDemand && s.Mode != StreamMode.OnDemand) settings.CheckOnDemandStreamLimit();
            return updates.BeginAsync(s, new PendingUpdate.Mode(mode, warmThroughputMiBps));
        });

    public Task UpdateMaxRecordSizeAsync(StreamRef stream, int maxRecordSizeInKiB) =>
        Control.WriteAsync(() =>
        {
            var s = Streams.ResolveActive(stream);
            return updates.BeginAsync(s, new PendingUpdate.MaxRecordSize(maxRecordSizeInKiB));
        });

    public Task<WarmThroughputView> UpdateWarmThroughputAsync(StreamRef stream, int warmThroughputMiBps) =>
        Control.WriteAsync(async () =>
        {
            var s = Streams.ResolveActive(stream);
            settings.CheckWarmThroughputAllowed(s.Mode);
            var previous = s.WarmTargetMiBps ?? 0;
            s.WarmTargetMiBps = warmThroughputMiBps;
            var view = new WarmThroughputView(s.Name, s.Arn, warmThroughputMiBps, previous);
            await updates.BeginAsync(s, null).ConfigureAwait(false);
            return view;
        });
}
