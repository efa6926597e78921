using System.Globalization;
using System.Text.RegularExpressions;
using Eddy.Core;
using Eddy.Streams.Encryption;

namespace Eddy.Streams;

public sealed partial class StreamEngine
{
    private const int MaxTagsPerResource = 50;
    private const int MaxCreatingConsumers = 5;

    private static readonly string[] AllMetrics =
    [
        "IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
        "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds",
    ];

    [GeneratedRegex(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@%]*$")]
    private static partial Regex TagCharacters();

    // ---- tags -----------------------------------------------------------------------------------------------------

    private SortedDictionary<string, string> TagsOf(string arn)
    {
        if (!_tags.TryGetValue(arn, out var tags)) _tags[arn] = tags = new SortedDictionary<string, string>(StringComparer.Ordinal);
        return tags;
    }

    private void CheckTags(string resource, IReadOnlyDictionary<string, string> tags, int existing)
    {
        CheckTagCharacters(resource, [.. tags.Keys, .. tags.Values], "add tags to");
        if (tags.Keys.Any(k => k.StartsWith("aws:", StringComparison.OrdinalIgnoreCase)))
            throw KinesisException.Invalid("Tag keys must not start with the reserved prefix 'aws:'.");
        if (existing + tags.Count > MaxTagsPerResource)
            throw KinesisException.Invalid(
                $"Failed to add tags to stream {resource} under account {Account} because a given stream cannot have more than {MaxTagsPerResource} tags associated with it.");
    }

    /// <summary>
    /// AWS's character rules for tag keys (and values), over the whole request: a character outside the allowed set
    /// first, then '%', which the allowed set's message lists but AWS refuses with a message of its own.
    /// </summary>
    private void CheckTagCharacters(string resource, IReadOnlyList<string> texts, string action)
    {
        if (texts.Any(t => !TagCharacters().IsMatch(t)))
            throw KinesisException.Invalid("Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.");
        if (texts.Any(t => t.Contains('%')))
            throw KinesisException.Invalid($"Failed to {action} stream {resource} under account {Account} because some tags contained illegal characters. " +
                "The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.");
    }

    /// <summary>Stores a resource's new tag set, then makes it the one in memory.</summary>
    private async Task SaveTagsAsync(string arn, IReadOnlyDictionary<string, string> tags, bool replace)
    {
        var next = replace ? new SortedDictionary<string, string>(StringComparer.Ordinal) : new SortedDictionary<string, string>(TagsOf(arn), StringComparer.Ordinal);
        foreach (var (k, v) in tags) next[k] = v;
        await _catalog.SaveTagsAsync(arn, next).ConfigureAwait(false);
        _tags[arn] = next;
        ApplyTagSettings(arn);
    }

    /// <summary>Stream tags that steer Eddy itself: <c>eddy:shard-limits</c> = <c>aws</c> | <c>off</c>.</summary>
    private void ApplyTagSettings(string arn)
    {
        if (!TryParseStreamArn(arn, out var name) || !_byName.TryGetValue(name, out var s)) return;
        s.ShardLimitsTag = TagsOf(arn).GetValueOrDefault(ShardLimitsTagKey);
    }

    private const string ShardLimitsTagKey = "eddy:shard-limits";

    private Task AddTagsAsync(string arn, string resourceName, IReadOnlyDictionary<string, string> tags)
    {
        var current = TagsOf(arn);
        CheckTags(resourceName, tags, current.Keys.Count(k => !tags.ContainsKey(k)));
        return SaveTagsAsync(arn, tags, replace: false);
    }

    private async Task RemoveTagsAsync(string arn, string resourceName, IReadOnlyList<string> keys)
    {
        CheckTagCharacters(resourceName, keys, "remove tags from");
        var next = new SortedDictionary<string, string>(TagsOf(arn), StringComparer.Ordinal);
        foreach (var k in keys) next.Remove(k);
        await _catalog.SaveTagsAsync(arn, next).ConfigureAwait(false);
        _tags[arn] = next;
        ApplyTagSettings(arn);
    }

    public Task AddTagsAsync(StreamRef stream, IReadOnlyDictionary<string, string> tags) =>
        WriteAsync(() => { var s = ResolveTaggable(stream); return AddTagsAsync(s.Arn, s.Name, tags); });

    public Task RemoveTagsAsync(StreamRef stream, IReadOnlyList<string> keys) =>
        WriteAsync(() => { var s = ResolveTaggable(stream); return RemoveTagsAsync(s.Arn, s.Name, keys); });

    private StreamState ResolveTaggable(StreamRef stream)
    {
        var s = Resolve(stream);
        return s.Status is StreamStatus.Active or StreamStatus.Updating ? s : throw KinesisException.NotActive(s.Name, Account, s.Status);
    }

    public ValueTask<TagListResult> ListTagsForStreamAsync(StreamRef stream, string? exclusiveStartTagKey, int? limit) => ReadAsync(() =>
    {
        var s = Resolve(stream);
        var all = TagsOf(s.Arn).Where(t => exclusiveStartTagKey is null || string.CompareOrdinal(t.Key, exclusiveStartTagKey) > 0).ToList();
        var take = Math.Min(limit ?? MaxTagsPerResource, MaxTagsPerResource);
        return new TagListResult(all.Take(take).ToList(), all.Count > take);
    });

    public Task TagResourceAsync(string resourceArn, IReadOnlyDictionary<string, string> tags) =>
        WriteAsync(() => AddTagsAsync(ResolveResource(resourceArn), resourceArn, tags));

    public Task UntagResourceAsync(string resourceArn, IReadOnlyList<string> keys) =>
        WriteAsync(() => RemoveTagsAsync(ResolveResource(resourceArn), resourceArn, keys));

    public ValueTask<IReadOnlyList<KeyValuePair<string, string>>> ListTagsForResourceAsync(string resourceArn) =>
        ReadAsync(() => (IReadOnlyList<KeyValuePair<string, string>>)[.. TagsOf(ResolveResource(resourceArn))]);

    /// <summary>A stream ARN or consumer ARN that exists; returns it (the key for tags and policies).</summary>
    private string ResolveResource(string arn)
    {
        var consumerAt = arn.IndexOf("/consumer/", StringComparison.Ordinal);
        if (consumerAt < 0)
        {
            Resolve(new StreamRef(null, arn));
            return arn;
        }
        var (_, consumer) = ResolveConsumerArn(arn);
        return consumer is null ? throw ConsumerNotFound(arn) : arn;
    }

    // ---- consumers ------------------------------------------------------------------------------------------------

    private static KinesisException ConsumerNotFound(string what) =>
        new(ErrorCode.ResourceNotFoundException, $"Consumer {what} not found.");

    private (StreamState Stream, ConsumerState? Consumer) ResolveConsumerArn(string consumerArn)
    {
        var at = consumerArn.IndexOf("/consumer/", StringComparison.Ordinal);
        if (at < 0) throw ConsumerNotFound(consumerArn);
        var s = Resolve(new StreamRef(null, consumerArn[..at]));
        var rest = consumerArn[(at + "/consumer/".Length)..];
        var colon = rest.LastIndexOf(':');
        if (colon < 0) throw ConsumerNotFound(consumerArn);
        var name = rest[..colon];
        var c = s.Consumers.FirstOrDefault(c => c.Name == name && c.Arn(s.Arn) == consumerArn);
        return (s, c);
    }

    private (StreamState Stream, ConsumerState Consumer) ResolveConsumer(string? streamArn, string? consumerName, string? consumerArn)
    {
        if (consumerArn is not null)
        {
            var (s, c) = ResolveConsumerArn(consumerArn);
            if (c is null || streamArn is not null && streamArn != s.Arn || consumerName is not null && consumerName != c.Name)
                throw ConsumerNotFound(consumerArn);
            return (s, c);
        }
        if (streamArn is null || consumerName is null)
            throw KinesisException.Invalid("Either ConsumerARN or both StreamARN and ConsumerName must be provided.");
        var stream = Resolve(new StreamRef(null, streamArn));
        var consumer = stream.Consumers.FirstOrDefault(c => c.Name == consumerName) ?? throw ConsumerNotFound($"{consumerName} under stream {stream.Name} under account {Account}");
        return (stream, consumer);
    }

    private static ConsumerView ConsumerView(StreamState s, ConsumerState c) =>
        new(c.Name, c.Arn(s.Arn), c.Status, DateTimeOffset.FromUnixTimeMilliseconds(c.CreatedMs / 1000 * 1000), s.Arn);

    public Task<ConsumerView> RegisterConsumerAsync(string streamArn, string consumerName, IReadOnlyDictionary<string, string>? tags) =>
        WriteAsync(async () =>
        {
            var s = ResolveTaggable(new StreamRef(null, streamArn));
            if (s.Consumers.Any(c => c.Name == consumerName))
                throw new KinesisException(ErrorCode.ResourceInUseException, $"Consumer {consumerName} under stream {s.Name} under account {Account} already exists.");
            if (s.Consumers.Count >= _options.ConsumersPerStream)
                throw new KinesisException(ErrorCode.LimitExceededException,
                    $"Stream {s.Name} under account {Account} has reached the limit of {_options.ConsumersPerStream} registered consumers.");
            if (s.Consumers.Count(c => c.Status == ConsumerStatus.Creating) >= MaxCreatingConsumers)
                throw new KinesisException(ErrorCode.LimitExceededException,
                    $"Stream {s.Name} under account {Account} already has {MaxCreatingConsumers} consumers in CREATING state.");
            // ARNs carry the creation second: keep re-registrations of a name distinct.
            var now = NowMs;
            var consumer = new ConsumerState(consumerName, now, ConsumerStatus.Creating);
            if (tags is { Count: > 0 }) CheckTags(consumerName, tags, 0);
            s.Consumers.Add(consumer);
            try
            {
                await SaveAsync(s).ConfigureAwait(false);
            }
            catch
            {
                s.Consumers.Remove(consumer);
                throw;
            }
            if (tags is { Count: > 0 }) await SaveTagsAsync(consumer.Arn(s.Arn), tags, replace: true).ConfigureAwait(false);
            var view = ConsumerView(s, consumer); // CREATING, as AWS answers, even when the transition is immediate
            await LaterAsync(async () =>
            {
                if (consumer.Status != ConsumerStatus.Creating) return;
                consumer.Status = ConsumerStatus.Active;
                await SaveAsync(s).ConfigureAwait(false);
            }).ConfigureAwait(false);
            return view;
        });

    public ValueTask<ConsumerView> DescribeConsumerAsync(string? streamArn, string? consumerName, string? consumerArn) => ReadAsync(() =>
    {
        var (s, c) = ResolveConsumer(streamArn, consumerName, consumerArn);
        return ConsumerView(s, c);
    });

    public ValueTask<ListConsumersResult> ListConsumersAsync(string streamArn, string? nextToken, int? maxResults, DateTimeOffset? streamCreationTimestamp) => ReadAsync(() =>
    {
        var s = Resolve(new StreamRef(null, streamArn));
        if (streamCreationTimestamp is { } created && created.ToUnixTimeMilliseconds() / 1000 != s.CreatedMs / 1000)
            throw KinesisException.StreamNotFound(s.Name, Account);
        if (s.Status is not (StreamStatus.Active or StreamStatus.Updating)) throw KinesisException.NotActive(s.Name, Account, s.Status);
        var after = nextToken is null ? null : DecodePageToken(nextToken, s.Id).After;
        var all = s.Consumers.Where(c => after is null || string.CompareOrdinal(c.Name, after) > 0).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        var take = Math.Min(maxResults ?? 100, 100);
        var page = all.Take(take).Select(c => ConsumerView(s, c)).ToList();
        return new ListConsumersResult(page, all.Count > take ? EncodePageToken(s.Id, page[^1].Name) : null);
    });

    public Task DeregisterConsumerAsync(string? streamArn, string? consumerName, string? consumerArn) =>
        WriteAsync(async () =>
        {
            var (s, c) = ResolveConsumer(streamArn, consumerName, consumerArn);
            if (c.Status == ConsumerStatus.Deleting) return;
            c.Status = ConsumerStatus.Deleting;
            await SaveAsync(s).ConfigureAwait(false);
            var arn = c.Arn(s.Arn);
            EndSubscriptions(sub => sub.Key.ConsumerArn == arn, ConsumerNotFound(arn));
            await LaterAsync(async () =>
            {
                s.Consumers.Remove(c);
                _tags.Remove(arn);
                _policies.TryRemove(arn, out _);
                await SaveAsync(s).ConfigureAwait(false);
                await _catalog.SaveTagsAsync(arn, new Dictionary<string, string>()).ConfigureAwait(false);
                await _catalog.SavePolicyAsync(arn, null).ConfigureAwait(false);
            }).ConfigureAwait(false);
        });

    // ---- encryption, monitoring -----------------------------------------------------------------------------------

    public Task StartEncryptionAsync(StreamRef stream, string encryptionType, string keyId) => ChangeEncryption(stream, encryptionType, keyId, start: true);

    public Task StopEncryptionAsync(StreamRef stream, string encryptionType, string keyId) => ChangeEncryption(stream, encryptionType, keyId, start: false);

    private Task ChangeEncryption(StreamRef stream, string encryptionType, string keyId, bool start) =>
        WriteAsync(() =>
        {
            var s = ResolveActive(stream);
            if (encryptionType != "KMS")
                throw KinesisException.Invalid($"Encryption type {encryptionType} is not supported; only KMS is.");
            // The KeyId resolves now (KMS* errors, alias/aws/kinesis created on first use); records written once the
            // stream is ACTIVE again are sealed under it. The stream keeps reporting the KeyId as given, like AWS.
            if (start) _keys.Resolve(keyId);
            return BeginUpdateAsync(s, new PendingUpdate.Encryption(start ? keyId : null));
        });

    /// <summary>Carries out StartStreamEncryption (a KeyId) or StopStreamEncryption (null).</summary>
    private void ApplyEncryption(StreamState s, string? keyId)
    {
        if (keyId is not null)
        {
            _sealingKeys[s.Id] = new SealingKey(_keys.Resolve(keyId), s.Id, keyId);
            s.KeyId = keyId;
            s.EncryptionType = "KMS";
        }
        else
        {
            s.EncryptionType = "NONE";
            s.KeyId = null;
        }
    }

    /// <summary>The key records appended to <paramref name="s"/> are sealed with, or null while it is not encrypted.
    /// A stream encrypted before a restart resolves its KeyId again on its first append.</summary>
    private SealingKey? SealingKeyFor(StreamState s)
    {
        if (!s.IsEncrypted || s.KeyId is not { } keyId) return null;
        if (_sealingKeys.TryGetValue(s.Id, out var known) && known.KeyIdText == keyId) return known;
        return _sealingKeys[s.Id] = new SealingKey(_keys.Resolve(keyId), s.Id, keyId);
    }

    public Task<MonitoringChange> SetEnhancedMonitoringAsync(StreamRef stream, IReadOnlyList<string> metrics, bool enable) =>
        WriteAsync(async () =>
        {
            var s = ResolveActive(stream);
            var requested = metrics.Contains("ALL") ? AllMetrics : [.. metrics];
            var current = s.ShardLevelMetrics.ToList();
            var desired = AllMetrics.Where(m => enable ? current.Contains(m) || requested.Contains(m) : current.Contains(m) && !requested.Contains(m)).ToList();
            s.ShardLevelMetrics = desired;
            await SaveAsync(s).ConfigureAwait(false);
            return new MonitoringChange(s.Name, s.Arn, current, desired);
        });

    // ---- limits, account settings, modes ---------------------------------------------------------------------------

    public ValueTask<LimitsView> DescribeLimitsAsync() => ReadAsync(() => new LimitsView(
        _options.ShardLimit,
        _byId.Values.Sum(s => s.OpenShards.Length),
        _byId.Values.Count(s => s.Mode == StreamMode.OnDemand),
        _options.OnDemandStreamCountLimit));

    public ValueTask<BillingCommitment> DescribeAccountSettingsAsync() => ReadAsync(() => _billing);

    public Task<BillingCommitment> UpdateAccountSettingsAsync(string status) =>
        WriteAsync(async () =>
        {
            var now = _time.GetUtcNow();
            var next = _billing;
            if (status == "ENABLED")
            {
                if (next.Status != "ENABLED") next = new BillingCommitment("ENABLED", now, null, now.AddDays(1));
            }
            else if (next.Status != "DISABLED")
            {
                next = next.EarliestAllowedEndAt is { } earliest && earliest > now
                    ? next with { Status = "ENABLED_UNTIL_EARLIEST_ALLOWED_END", EndedAt = earliest }
                    : next with { Status = "DISABLED", EndedAt = now };
            }
            await _store.Meta.SetAsync("billing", EncodeBilling(next)).ConfigureAwait(false);
            return _billing = next;
        });

    private static string EncodeBilling(BillingCommitment b) =>
        string.Join('|', b.Status, Ms(b.StartedAt), Ms(b.EndedAt), Ms(b.EarliestAllowedEndAt));

    private static string Ms(DateTimeOffset? t) => t?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) ?? "";

    private static BillingCommitment DecodeBilling(string text)
    {
        var p = text.Split('|');
        DateTimeOffset? At(string v) => v.Length == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(v, CultureInfo.InvariantCulture));
        return new BillingCommitment(p[0], At(p[1]), At(p[2]), At(p[3]));
    }

    private void CheckWarmThroughputAllowed(StreamMode mode)
    {
        if (mode != StreamMode.OnDemand)
            throw KinesisException.Invalid("Warm throughput can only be configured for streams in ON_DEMAND mode.");
        if (_billing.Status == "DISABLED")
            throw KinesisException.Invalid("Warm throughput requires the account's MinimumThroughputBillingCommitment to be ENABLED.");
    }

    public Task UpdateStreamModeAsync(string streamArn, StreamMode mode, int? warmThroughputMiBps) =>
        WriteAsync(() =>
        {
            var s = ResolveActive(new StreamRef(null, streamArn));
            if (warmThroughputMiBps is not null) CheckWarmThroughputAllowed(mode);
            if (mode == StreamMode.OnDemand && s.Mode != StreamMode.OnDemand &&
                _byId.Values.Count(x => x.Mode == StreamMode.OnDemand) >= _options.OnDemandStreamCountLimit)
                throw new KinesisException(ErrorCode.LimitExceededException,
                    $"This request would exceed the on-demand stream count limit for the account {Account} in {Region}. Limit: {_options.OnDemandStreamCountLimit}.");
            return BeginUpdateAsync(s, new PendingUpdate.Mode(mode, warmThroughputMiBps));
        });

    public Task UpdateMaxRecordSizeAsync(StreamRef stream, int maxRecordSizeInKiB) =>
        WriteAsync(() =>
        {
            var s = ResolveActive(stream);
            return BeginUpdateAsync(s, new PendingUpdate.MaxRecordSize(maxRecordSizeInKiB));
        });

    public Task<WarmThroughputView> UpdateWarmThroughputAsync(StreamRef stream, int warmThroughputMiBps) =>
        WriteAsync(async () =>
        {
            var s = ResolveActive(stream);
            CheckWarmThroughputAllowed(s.Mode);
            var previous = s.WarmTargetMiBps ?? 0;
            s.WarmTargetMiBps = warmThroughputMiBps;
            var view = new WarmThroughputView(s.Name, s.Arn, warmThroughputMiBps, previous);
            await BeginUpdateAsync(s, null).ConfigureAwait(false);
            return view;
        });

    // ---- resource policies ------------------------------------------------------------------------------------------

    public Task PutResourcePolicyAsync(string resourceArn, string policy) =>
        WriteAsync(async () =>
        {
            var arn = ResolveResource(resourceArn);
            try { using var _ = System.Text.Json.JsonDocument.Parse(policy); }
            catch (System.Text.Json.JsonException) { throw KinesisException.Invalid("Policy is not a valid JSON document."); }
            await _catalog.SavePolicyAsync(arn, policy).ConfigureAwait(false);
            _policies[arn] = policy;
        });

    public ValueTask<string> GetResourcePolicyAsync(string resourceArn) => ReadAsync(() => _policies.GetValueOrDefault(ResolveResource(resourceArn)) ?? "{}");

    public string? FindResourcePolicy(string resourceArn) => _policies.GetValueOrDefault(resourceArn);

    public Task DeleteResourcePolicyAsync(string resourceArn) =>
        WriteAsync(async () =>
        {
            var arn = ResolveResource(resourceArn);
            if (!_policies.ContainsKey(arn)) throw new KinesisException(ErrorCode.ResourceNotFoundException, $"No resource policy found for resource ARN {resourceArn}.");
            await _catalog.SavePolicyAsync(arn, null).ConfigureAwait(false);
            _policies.TryRemove(arn, out _);
        });
}
