using Eddy.Catalog;
using Eddy.Core;
using Eddy.Storage;
using Microsoft.Extensions.Logging;

namespace Eddy.Streams;

/// <summary>
/// What every part of the engine shares, in one explicit object: the options, the log store, the catalog, the clock,
/// the logger, the stream table, the control lock with its deferred state transitions, and the token codecs (keyed by
/// the catalog's token key, so set once the engine starts). The parts (control plane, data plane, tags, policies,
/// consumers, subscriptions, account settings, encryption keys) each receive it and keep no copy of its fields.
/// </summary>
internal sealed class EngineContext
{
    private TokenCodec? _tokens;
    private IteratorCodec? _iterators;

    public EngineContext(EngineOptions options, ILogStore logs, ICatalogStore store)
    {
        Options = options;
        Logs = logs;
        Store = store;
        Streams = new StreamTable(options, options.Time);
        Control = new ControlLock(options, options.Logger);
        Pages = new PageTokens(this);
    }

    public EngineOptions Options { get; }
    public ILogStore Logs { get; }

    /// <summary>The whole catalog (streams, checkpoints, meta).</summary>
    public ICatalogStore Store { get; }

    /// <summary>The catalog's streams area.</summary>
    public IStreamCatalog Catalog => Store.Streams;
    public TimeProvider Time => Options.Time;
    public ILogger Logger => Options.Logger;
    public string Account => Options.Account;
    public string Region => Options.Region;

    /// <summary>Every stream by name and by id, and the lookups every action starts with.</summary>
    public StreamTable Streams { get; }

    /// <summary>The control lock: control-plane actions one at a time, and deferred state transitions.</summary>
    public ControlLock Control { get; }

    /// <summary>NextTokens and other opaque tokens.</summary>
    public TokenCodec Tokens => _tokens ?? throw NotStarted();

    /// <summary>NextTokens of the List* actions.</summary>
    public PageTokens Pages { get; }

    /// <summary>Shard iterators.</summary>
    public IteratorCodec Iterators => _iterators ?? throw NotStarted();

    public long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Keys the token codecs (once, when the engine starts, with the catalog's token key).</summary>
    public void SetTokenKey(byte[] key)
    {
        if (_tokens is not null) throw new InvalidOperationException("The engine has already started.");
        _tokens = new TokenCodec(key);
        _iterators = new IteratorCodec(key);
    }

    public void DisposeCodecs() => _iterators?.Dispose();

    private static InvalidOperationException NotStarted() => new("The stream engine has not been started (StreamEngine.OpenAsync, or the hosted service AddEddyStreams registers).");

    public static string LogId(long streamId, int shardIndex) => $"{streamId}.{shardIndex}";

    /// <summary>Writes a stream (with <paramref name="shards"/>, or its published shard list) to the catalog.</summary>
    public ValueTask SaveAsync(StreamState s, IReadOnlyList<ShardState>? shards = null) => Catalog.SaveStreamAsync(new StreamRecord(
        s.Id, s.Name, s.StreamToken, s.Status, s.Mode, s.RetentionHours, s.CreatedMs, s.EncryptionType, s.KeyId, [.. s.ShardLevelMetrics],
        s.MaxRecordKiB, s.WarmTargetMiBps, s.NextShardIndex, s.Pending?.Encode(),
        [.. (shards ?? s.Shards).Select(sh => new ShardRecord(sh.Index, sh.Parent, sh.AdjacentParent, sh.Range.Start, sh.Range.End, sh.CreatedMs,
            sh.SeqEpochSeconds, sh.ClosedMs, sh.ClosedMs is null ? null : sh.FinalEndOffset))],
        [.. s.Consumers.Select(c => new ConsumerRecord(c.Name, c.CreatedMs, c.Status))]));

    /// <summary>A new shard of <paramref name="s"/> with the stream's next index and its (empty) log.</summary>
    public ShardState NewShard(StreamState s, int? parent, int? adjacent, HashKeyRange range, long nowMs, long seqEpochSeconds)
    {
        var index = s.NextShardIndex++;
        return new ShardState(index, parent, adjacent, range, nowMs, seqEpochSeconds, Logs.Open(LogId(s.Id, index)));
    }
}
