using System.Collections.Concurrent;
using Eddy.Core;

namespace Eddy.Streams;

/// <summary>
/// Every live stream by name and by id, and the lookups requests start with (stream references, ARNs, shard ids,
/// consumer ARNs) with AWS's answers when they find nothing. Streams are added and removed under the control lock;
/// lookups take no lock (the data plane reads here too).
/// </summary>
internal sealed class StreamTable(EngineOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, StreamState> _byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, StreamState> _byId = new();

    private string Account => options.Account;
    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Every stream (any status), in no particular order.</summary>
    public ICollection<StreamState> All => _byId.Values;

    public string StreamArn(string name) => $"arn:aws:kinesis:{options.Region}:{Account}:stream/{name}";

    public void Add(StreamState s)
    {
        _byName[s.Name] = s;
        _byId[s.Id] = s;
    }

    public void Remove(StreamState s)
    {
        _byName.TryRemove(new KeyValuePair<string, StreamState>(s.Name, s));
        _byId.TryRemove(s.Id, out _);
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public StreamState? FindById(long id) => _byId.GetValueOrDefault(id);

    public StreamState? FindByName(string name) => _byName.GetValueOrDefault(name);

    public bool TryParseStreamArn(string arn, out string name)
    {
        name = "";
        var parts = arn.Split(':', 6);
        if (parts.Length != 6 || parts[0] != "arn" || !parts[1].StartsWith("aws", StringComparison.Ordinal) || parts[2] != "kinesis") return false;
        if (!parts[5].StartsWith("stream/", StringComparison.Ordinal)) return false;
        name = parts[5]["stream/".Length..];
        var slash = name.IndexOf('/');
        if (slash >= 0) name = name[..slash];
        return parts[3] == options.Region && parts[4] == Account;
    }

    public StreamState Resolve(StreamRef r) => TryResolve(r, out var name) ?? throw KinesisException.StreamNotFound(name, Account);

    /// <summary>The stream a request names, or null (with the name to report) when there is none.</summary>
    public StreamState? TryResolve(StreamRef r, out string name)
    {
        if (r.Arn is not null)
        {
            var ours = TryParseStreamArn(r.Arn, out name);
            if (r.Name is not null && r.Name != name)
                throw KinesisException.Invalid($"StreamARN {r.Arn} and StreamName {r.Name} do not refer to the same stream.");
            if (name.Length == 0) name = r.Arn;
            if (!ours) return null;
        }
        else if (r.Name is not null)
        {
            name = r.Name;
        }
        else
        {
            throw KinesisException.Invalid("Neither StreamName nor StreamARN was provided.");
        }

        return _byName.GetValueOrDefault(name);
    }

    /// <summary>A stream that serves reads and writes (ACTIVE or UPDATING).</summary>
    public StreamState ResolveLive(StreamRef r)
    {
        var s = Resolve(r);
        return s.Status is StreamStatus.Active or StreamStatus.Updating ? s : throw KinesisException.StreamNotFound(s.Name, Account);
    }

    public StreamState ResolveActive(StreamRef r)
    {
        var s = Resolve(r);
        return s.Status == StreamStatus.Active ? s : throw KinesisException.NotActive(s.Name, Account, s.Status);
    }

    /// <summary>A stream whose tags and consumers may change (ACTIVE or UPDATING), else ResourceInUse.</summary>
    public StreamState ResolveTaggable(StreamRef stream)
    {
        var s = Resolve(stream);
        return s.Status is StreamStatus.Active or StreamStatus.Updating ? s : throw KinesisException.NotActive(s.Name, Account, s.Status);
    }

    /// <summary>
    /// AWS parses shard ids before it looks the stream up: an id it cannot parse (<see cref="ShardId.TryParse"/>) is
    /// "Could not find shard &lt;as given&gt; …", whether or not the stream exists.
    /// </summary>
    public int ParseShardId(StreamRef stream, string shardId)
    {
        if (ShardId.TryParse(shardId, out var index)) return index;
        TryResolve(stream, out var name);
        throw new KinesisException(ErrorCode.ResourceNotFoundException, $"Could not find shard {shardId} in stream {name} under account {Account}.");
    }

    /// <inheritdoc cref="ParseShardId"/>
    public void CheckShardIds(StreamRef stream, params ReadOnlySpan<string> shardIds)
    {
        foreach (var shardId in shardIds) ParseShardId(stream, shardId);
    }

    public ShardState ResolveShard(StreamState s, string shardId, bool forIterator = false) =>
        ResolveShard(s, ParseShardId(new StreamRef(s.Name, null), shardId), forIterator);

    /// <summary>A retained shard of the stream; the message names the canonical id (<c>shardId-000000000005</c>).</summary>
    public ShardState ResolveShard(StreamState s, int index, bool forIterator = false)
    {
        if (s.FindShard(index) is { } shard && !IsExpired(s, shard)) return shard;
        throw forIterator ? ShardMissing(index, s.Name)
            : new KinesisException(ErrorCode.ResourceNotFoundException, $"Could not find shard {ShardId.Format(index)} in stream {s.Name} under account {Account}.");
    }

    /// <summary>The answer for a shard (or the stream holding it) that is not there, when reading.</summary>
    public KinesisException ShardMissing(int index, string stream) =>
        new(ErrorCode.ResourceNotFoundException, $"Shard {ShardId.Format(index)} in stream {stream} under account {Account} does not exist");

    public bool IsExpired(StreamState s, ShardState shard) => shard.ClosedMs is { } closed && closed < NowMs - s.RetentionMs;

    public IEnumerable<ShardState> RetainedShards(StreamState s) => s.Shards.Where(sh => !IsExpired(s, sh));

    public static KinesisException ConsumerNotFound(string what) =>
        new(ErrorCode.ResourceNotFoundException, $"Consumer {what} not found.");

    /// <summary>The stream a consumer ARN names and the consumer, or null when the stream has no such consumer.</summary>
    public (StreamState Stream, ConsumerState? Consumer) ResolveConsumerArn(string consumerArn)
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

    /// <summary>A stream ARN or consumer ARN that exists; returns it (the key for tags and policies).</summary>
    public string ResolveResource(string arn)
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

    /// <summary>Open shards across every stream (the account's shard count).</summary>
    public int OpenShardCount => _byId.Values.Sum(s => s.OpenShards.Length);

    public int OnDemandStreamCount => _byId.Values.Count(s => s.Mode == StreamMode.OnDemand);
}
