using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Eddy.Core;

namespace Eddy.Streams;

public sealed partial class StreamEngine
{
    private const int OnDemandInitialShards = 4;
    private const byte PageTokenKind = 2;
    private const long PageTokenLifetimeMs = 300_000;

    public Task CreateStreamAsync(string name, int? shardCount, StreamMode? requestedMode, IReadOnlyDictionary<string, string>? tags, int? warmThroughputMiBps, int? maxRecordSizeInKiB) =>
        WriteAsync(async () =>
        {
            var mode = requestedMode ?? (shardCount is null ? StreamMode.OnDemand : StreamMode.Provisioned);
            if (_byName.ContainsKey(name))
                throw new KinesisException(ErrorCode.ResourceInUseException, $"Stream {name} under account {Account} already exists.");
            if (mode == StreamMode.Provisioned && shardCount is null)
                throw KinesisException.Invalid("ShardCount is required for streams in PROVISIONED mode.");
            if (warmThroughputMiBps is not null) CheckWarmThroughputAllowed(mode);
            var count = mode == StreamMode.OnDemand ? OnDemandInitialShards : shardCount!.Value;
            if (mode == StreamMode.OnDemand && _byId.Values.Count(s => s.Mode == StreamMode.OnDemand) >= _options.OnDemandStreamCountLimit)
                throw new KinesisException(ErrorCode.LimitExceededException,
                    $"This request would exceed the on-demand stream count limit for the account {Account} in {Region}. Limit: {_options.OnDemandStreamCountLimit}.");
            CheckShardLimit(count);
            if (tags is not null) CheckTags(name, tags, 0);

            var now = NowMs;
            var s = new StreamState
            {
                Id = await _catalog.NextStreamIdAsync().ConfigureAwait(false), Name = name, Arn = StreamArn(name), StreamToken = NewStreamToken(), CreatedMs = now,
                Status = StreamStatus.Creating, Mode = mode, MaxRecordKiB = maxRecordSizeInKiB ?? 1024, WarmTargetMiBps = warmThroughputMiBps,
            };
            var ranges = HashKey.EvenSplit(count);
            s.SetShards(ranges.Select(r => NewShard(s, null, null, r, now, now / 1000)).ToList());
            await SaveAsync(s).ConfigureAwait(false);
            if (tags is { Count: > 0 }) await SaveTagsAsync(s.Arn, tags, replace: true).ConfigureAwait(false);
            _byName[name] = s;
            _byId[s.Id] = s;
            ApplyTagSettings(s.Arn);
            await LaterAsync(async () =>
            {
                if (s.Status != StreamStatus.Creating) return;
                s.Status = StreamStatus.Active;
                await SaveAsync(s).ConfigureAwait(false);
            }).ConfigureAwait(false);
        });

    public Task DeleteStreamAsync(StreamRef stream, bool enforceConsumerDeletion) =>
        WriteAsync(async () =>
        {
            var s = Resolve(stream);
            if (s.Status == StreamStatus.Deleting) return;
            if (s.Consumers.Count > 0 && !enforceConsumerDeletion)
                throw new KinesisException(ErrorCode.ResourceInUseException,
                    $"Stream {s.Name} under account {Account} has registered consumers. Deregister them or set EnforceConsumerDeletion.");
            s.Status = StreamStatus.Deleting;
            await SaveAsync(s).ConfigureAwait(false);
            EndSubscriptions(sub => sub.StreamId == s.Id, KinesisException.StreamNotFound(s.Name, Account));
            await LaterAsync(() => DeleteNowAsync(s)).ConfigureAwait(false);
        });

    public ValueTask<StreamPage> DescribeStreamAsync(StreamRef stream, int? limit, string? exclusiveStartShardId) => ReadAsync(() =>
    {
        var s = Resolve(stream);
        var after = -1;
        if (exclusiveStartShardId is not null && ShardId.TryParse(exclusiveStartShardId, out var i)) after = i;
        var take = Math.Min(limit ?? 100, 100);
        var shards = RetainedShards(s).Where(sh => sh.Index > after).ToList();
        return new StreamPage(View(s), [.. shards.Take(take).Select(ShardView)], shards.Count > take);
    });

    public ValueTask<StreamView> DescribeStreamSummaryAsync(StreamRef stream) => ReadAsync(() => View(Resolve(stream)));

    public ValueTask<ListStreamsResult> ListStreamsAsync(int? limit, string? exclusiveStartStreamName, string? nextToken) => ReadAsync(() =>
    {
        if (nextToken is not null && exclusiveStartStreamName is not null)
            throw KinesisException.Invalid("NextToken and ExclusiveStartStreamName cannot be provided together.");
        var after = exclusiveStartStreamName;
        if (nextToken is not null) after = DecodePageToken(nextToken, 0).After;
        var take = Math.Min(limit ?? 100, 100);
        var names = _byName.Values.Where(s => after is null || string.CompareOrdinal(s.Name, after) > 0)
            .OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        var page = names.Take(take).Select(View).ToList();
        var more = names.Count > take;
        return new ListStreamsResult(page, more, more ? EncodePageToken(0, page[^1].Name) : null);
    });

    public ValueTask<ListShardsResult> ListShardsAsync(StreamRef stream, string? nextToken, string? exclusiveStartShardId, int? maxResults,
        DateTimeOffset? streamCreationTimestamp, ShardFilterType? filterType, string? filterShardId, DateTimeOffset? filterTimestamp) => ReadAsync(() =>
    {
        StreamState s;
        var after = -1;
        if (nextToken is not null)
        {
            if (stream.Name is not null || stream.Arn is not null)
                throw KinesisException.Invalid("NextToken and StreamName cannot be provided together.");
            var token = DecodePageToken(nextToken, -1);
            s = _byId.TryGetValue(token.Scope, out var found) ? found : throw KinesisException.Invalid("Invalid NextToken.");
            var parts = token.After.Split('|');
            after = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            if (parts[1].Length > 0) filterType = Enum.Parse<ShardFilterType>(parts[1]);
            if (parts[2].Length > 0) filterTimestamp = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            if (stream.Name is null && stream.Arn is null) throw KinesisException.Invalid("Either NextToken or StreamName should be provided.");
            s = Resolve(stream);
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

        var retained = RetainedShards(s).ToList();
        var selected = FilterShards(s, retained, filterType ?? ShardFilterType.FromTrimHorizon, filterTimestamp?.ToUnixTimeMilliseconds())
            .Where(sh => sh.Index > after).ToList();
        var take = Math.Min(maxResults ?? 1000, 1000);
        var page = selected.Take(take).ToList();
        string? next = null;
        if (selected.Count > take)
            next = EncodePageToken(s.Id, $"{page[^1].Index}|{filterType?.ToString() ?? ""}|{filterTimestamp?.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) ?? ""}");
        return new ListShardsResult([.. page.Select(ShardView)], next);
    });

    private IEnumerable<ShardState> FilterShards(StreamState s, List<ShardState> retained, ShardFilterType type, long? timestampMs)
    {
        var retainedIds = retained.Select(sh => sh.Index).ToHashSet();
        bool IsRoot(ShardState sh) => (sh.Parent is not { } p || !retainedIds.Contains(p)) && (sh.AdjacentParent is not { } a || !retainedIds.Contains(a));
        var horizon = NowMs - s.RetentionMs;
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

    private StreamView View(StreamState s) => new(
        s.Name, s.Arn, s.StreamToken, s.Status, s.Mode, s.RetentionHours, DateTimeOffset.FromUnixTimeMilliseconds(s.CreatedMs),
        [.. s.ShardLevelMetrics], s.EncryptionType, s.KeyId, s.OpenShards.Length, s.Consumers.Count, s.MaxRecordKiB,
        s.WarmTargetMiBps, s.WarmTargetMiBps is null ? null : s.Status == StreamStatus.Active ? s.WarmTargetMiBps : 0, s.LastScaling);

    private static ShardView ShardView(ShardState sh) => new(
        sh.Id, sh.Parent is { } p ? ShardId.Format(p) : null, sh.AdjacentParent is { } a ? ShardId.Format(a) : null,
        sh.Range, sh.StartingSequenceNumber, sh.EndingSequenceNumber);

    private void CheckShardLimit(int additional)
    {
        var open = _byId.Values.Sum(s => s.OpenShards.Length);
        if ((long)open + additional > _options.ShardLimit) // 64-bit: a ShardCount near int.MaxValue must not wrap around
            throw new KinesisException(ErrorCode.LimitExceededException,
                $"This request would exceed the shard limit for the account {Account} in {Region}. Current shard count for the account: {open}. " +
                $"Limit: {_options.ShardLimit}. Number of additional shards that would have resulted from this request: {additional}. " +
                "Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.");
    }

    private static string NewStreamToken()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        return RandomNumberGenerator.GetString(alphabet, 20) + "-" + RandomNumberGenerator.GetString(alphabet, 3);
    }

    // ---- NextTokens for ListStreams / ListShards / ListStreamConsumers: scope(8) ‖ issued ms(8) ‖ UTF-8 "after" ----

    private string EncodePageToken(long scope, string after)
    {
        var bytes = new byte[16 + Encoding.UTF8.GetByteCount(after)];
        BinaryPrimitives.WriteInt64BigEndian(bytes, scope);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(8), NowMs);
        Encoding.UTF8.GetBytes(after, bytes.AsSpan(16));
        return _tokens.Encode(PageTokenKind, bytes);
    }

    /// <summary>Decodes a NextToken; <paramref name="scope"/> -1 accepts any scope.</summary>
    private (long Scope, string After) DecodePageToken(string token, long scope)
    {
        var payload = _tokens.TryDecode(token, PageTokenKind);
        if (payload is null || payload.Length < 16) throw KinesisException.Invalid("Invalid NextToken.");
        var tokenScope = BinaryPrimitives.ReadInt64BigEndian(payload);
        if (scope >= 0 && tokenScope != scope) throw KinesisException.Invalid("Invalid NextToken.");
        if (NowMs - BinaryPrimitives.ReadInt64BigEndian(payload.AsSpan(8)) > PageTokenLifetimeMs)
            throw new KinesisException(ErrorCode.ExpiredNextTokenException, "The requested token has expired.");
        return (tokenScope, Encoding.UTF8.GetString(payload, 16, payload.Length - 16));
    }
}
