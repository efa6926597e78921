using System.Collections.Concurrent;
using System.Security.Cryptography;
using Eddy.Catalog;
using Eddy.Core;
using Eddy.Storage;
using Microsoft.Extensions.Logging;

namespace Eddy.Streams;

/// <summary>
/// The Data Streams engine: catalog, routing (MD5 → 128-bit hash key → open shard), sequencing, iterators,
/// resharding, consumers, retention. One instance per server.
/// </summary>
/// <remarks>
/// Threading contract: control-plane actions (create, delete, reshard, tags, consumers, settings, and the reads that
/// enumerate them) run one at a time under <see cref="_control"/>. The data plane (PutRecord(s), GetShardIterator,
/// GetRecords) takes no lock: it reads the immutable shard arrays of <see cref="StreamState"/> and appends through each
/// shard's log, whose single writer orders records. State changes that AWS performs asynchronously (CREATING → ACTIVE,
/// UPDATING → ACTIVE, DELETING → gone) complete after <see cref="EngineOptions.StateDelay"/>.
/// </remarks>
public sealed partial class StreamEngine : IStreamEngine, IAsyncDisposable
{
    private const long IteratorLifetimeMs = 300_000;

    private readonly EngineOptions _options;
    private readonly ILogStore _logs;
    private readonly ICatalogStore _store;
    private readonly IStreamCatalog _catalog;
    private readonly TokenCodec _tokens;
    private readonly IteratorCodec _iterators;
    private readonly Encryption.KeyStore _keys;
    private readonly ConcurrentDictionary<long, Encryption.SealingKey> _sealingKeys = new();
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _control = new(1, 1);
    private readonly ConcurrentDictionary<string, StreamState> _byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, StreamState> _byId = new();
    private readonly Dictionary<string, SortedDictionary<string, string>> _tags = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _policies = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _pending = [];
    private Task _sweeper = Task.CompletedTask;
    private Task _scaler = Task.CompletedTask;
    private readonly ILogger _logger;
    private BillingCommitment _billing = new("DISABLED", null, null, null);

    private StreamEngine(EngineOptions options, ILogStore logs, ICatalogStore catalog, byte[] tokenKey)
    {
        _options = options;
        _logs = logs;
        _store = catalog;
        _catalog = catalog.Streams;
        _time = options.Time;
        _logger = options.Logger;
        _tokens = new TokenCodec(tokenKey);
        _iterators = new IteratorCodec(tokenKey);
        _keys = new Encryption.KeyStore(options.DataDirectory is null ? null : Path.Combine(options.DataDirectory, "keys"), options.Region, options.Account, _time);
    }

    /// <summary>
    /// Opens the engine on a log store and a catalog: loads every stream, recovers (carries out acknowledged changes a
    /// stop interrupted, reconciles the logs with the catalog), then starts the retention sweep and on-demand scaling.
    /// The caller owns <paramref name="logs"/> and <paramref name="catalog"/> and disposes them after the engine.
    /// </summary>
    public static async Task<StreamEngine> OpenAsync(EngineOptions options, ILogStore logs, ICatalogStore catalog, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(catalog);
        var key = await catalog.Meta.GetOrAddAsync("token_key", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), cancellationToken).ConfigureAwait(false);
        var engine = new StreamEngine(options, logs, catalog, Convert.FromBase64String(key));
        await engine.LoadAsync(cancellationToken).ConfigureAwait(false);
        engine._sweeper = engine.SweepLoopAsync();
        engine._scaler = engine.ScalingLoopAsync();
        return engine;
    }

    public string Account => _options.Account;
    public string Region => _options.Region;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private string StreamArn(string name) => $"arn:aws:kinesis:{Region}:{Account}:stream/{name}";

    private string LogId(long streamId, int shardIndex) => $"{streamId}.{shardIndex}";

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var stored = _logs.ListLogs().ToHashSet(StringComparer.Ordinal);
        var interrupted = new List<StreamState>();
        foreach (var row in await _catalog.LoadStreamsAsync(cancellationToken).ConfigureAwait(false))
        {
            var s = new StreamState
            {
                Id = row.Id, Name = row.Name, Arn = StreamArn(row.Name), StreamToken = row.Token, CreatedMs = row.CreatedMs,
                Status = row.Status, Mode = row.Mode, RetentionHours = row.RetentionHours, EncryptionType = row.EncryptionType,
                KeyId = row.KeyId, ShardLevelMetrics = [.. row.Metrics],
                MaxRecordKiB = row.MaxRecordKiB, WarmTargetMiBps = row.WarmTargetMiBps, NextShardIndex = row.NextShardIndex,
                Pending = row.PendingUpdate is null ? null : PendingUpdate.Decode(row.PendingUpdate),
            };
            var shards = new List<ShardState>();
            foreach (var r in row.Shards)
            {
                var logId = LogId(row.Id, r.Index);
                if (!stored.Contains(logId) && (r.ClosedMs is null || r.EndOffset > 0))
                    LogMissingLog(_logger, row.Name, ShardId.Format(r.Index), logId);
                var shard = new ShardState(r.Index, r.Parent, r.Adjacent, new HashKeyRange(r.StartHash, r.EndHash), r.CreatedMs, r.SeqEpoch, _logs.Open(logId));
                if (r.ClosedMs is { } closed) shard.RestoreClosed(closed, r.EndOffset ?? shard.Log.EndOffset);
                shards.Add(shard);
            }
            s.SetShards(shards);
            foreach (var c in row.Consumers)
                s.Consumers.Add(new ConsumerState(c.Name, c.CreatedMs, c.Status == ConsumerStatus.Creating ? ConsumerStatus.Active : c.Status));
            s.Consumers.RemoveAll(c => c.Status == ConsumerStatus.Deleting);
            if (s.Status == StreamStatus.Deleting)
            {
                await DeleteNowAsync(s).ConfigureAwait(false);
                continue;
            }
            _byName[s.Name] = s;
            _byId[s.Id] = s;
            if (s.Status == StreamStatus.Updating) interrupted.Add(s);
            else
            {
                s.Status = StreamStatus.Active; // a creation interrupted by a stop completes on start
                await SaveAsync(s).ConfigureAwait(false);
            }
        }
        foreach (var t in await _catalog.LoadTagsAsync(cancellationToken).ConfigureAwait(false)) TagsOf(t.ResourceArn)[t.Key] = t.Value;
        foreach (var arn in _tags.Keys) ApplyTagSettings(arn);
        foreach (var p in await _catalog.LoadPoliciesAsync(cancellationToken).ConfigureAwait(false)) _policies[p.ResourceArn] = p.Policy;
        if (await _store.Meta.GetAsync("billing", cancellationToken).ConfigureAwait(false) is { } billing) _billing = DecodeBilling(billing);
        await ReconcileLogsAsync(stored).ConfigureAwait(false);
        // An acknowledged change that a stop interrupted is carried out now (nothing else runs yet).
        foreach (var s in interrupted)
        {
            if (s.Pending is { } pending) LogResumedUpdate(_logger, s.Name, pending.Encode());
            try
            {
                await FinishUpdateAsync(s).ConfigureAwait(false);
            }
            catch (KinesisException e) // a key that no longer resolves: the change cannot be made any more
            {
                LogDroppedUpdate(_logger, s.Name, e.Message);
                s.Pending = null;
                s.Status = StreamStatus.Active;
                await SaveAsync(s).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes a stream (with <paramref name="shards"/>, or its published shard list) to the catalog.</summary>
    private ValueTask SaveAsync(StreamState s, IReadOnlyList<ShardState>? shards = null) => _catalog.SaveStreamAsync(new StreamRecord(
        s.Id, s.Name, s.StreamToken, s.Status, s.Mode, s.RetentionHours, s.CreatedMs, s.EncryptionType, s.KeyId, [.. s.ShardLevelMetrics],
        s.MaxRecordKiB, s.WarmTargetMiBps, s.NextShardIndex, s.Pending?.Encode(),
        [.. (shards ?? s.Shards).Select(sh => new ShardRecord(sh.Index, sh.Parent, sh.AdjacentParent, sh.Range.Start, sh.Range.End, sh.CreatedMs,
            sh.SeqEpochSeconds, sh.ClosedMs, sh.ClosedMs is null ? null : sh.FinalEndOffset))],
        [.. s.Consumers.Select(c => new ConsumerRecord(c.Name, c.CreatedMs, c.Status))]));

    /// <summary>
    /// Brings the log store in line with the catalog. A log the catalog does not list is either left over from a deleted
    /// stream or expired shard (deleted now), or a shard created by a reshard that never committed: empty by construction
    /// (a new shard takes writes only once the catalog lists it), so it is deleted; one that holds records (written by a
    /// version before that rule) is kept, and its index is never handed out again. Each step is logged.
    /// </summary>
    private async Task ReconcileLogsAsync(HashSet<string> stored)
    {
        foreach (var id in stored.Order(StringComparer.Ordinal))
        {
            var dot = id.IndexOf('.');
            if (dot <= 0 || !long.TryParse(id.AsSpan(0, dot), out var streamId) || !int.TryParse(id.AsSpan(dot + 1), out var index))
            {
                LogForeignLog(_logger, id);
                continue;
            }
            if (_byId.TryGetValue(streamId, out var s) && s.FindShard(index) is not null) continue;
            if (s is null)
            {
                await _logs.DeleteAsync(id).ConfigureAwait(false);
                LogRemovedLog(_logger, id, "its stream was deleted");
                continue;
            }
            if (index < s.NextShardIndex)
            {
                await _logs.DeleteAsync(id).ConfigureAwait(false);
                LogRemovedLog(_logger, id, $"shard {ShardId.Format(index)} of stream {s.Name} expired");
                continue;
            }
            var log = _logs.Open(id);
            if (log.EndOffset == 0)
            {
                await _logs.DeleteAsync(id).ConfigureAwait(false);
                LogRemovedLog(_logger, id, $"a reshard of stream {s.Name} did not commit; the log was empty");
                continue;
            }
            s.NextShardIndex = Math.Max(s.NextShardIndex, index + 1);
            await SaveAsync(s).ConfigureAwait(false);
            LogKeptOrphan(_logger, id, s.Name, log.EndOffset - log.StartOffset, ShardId.Format(s.NextShardIndex));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovery: removed log {LogId} ({Why})")]
    private static partial void LogRemovedLog(ILogger logger, string logId, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovery: log {LogId} of stream {Stream} holds {Records} record(s) of a shard the catalog does not list; kept on disk, not served; new shards start at {Next}")]
    private static partial void LogKeptOrphan(ILogger logger, string logId, string stream, long records, string next);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovery: log {LogId} is not a shard log; left alone")]
    private static partial void LogForeignLog(ILogger logger, string logId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recovery: stream {Stream} lists shard {Shard} but its log {LogId} is missing; the shard starts empty")]
    private static partial void LogMissingLog(ILogger logger, string stream, string shard, string logId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recovery: stream {Stream}: its acknowledged change could not be carried out ({Reason}); the stream is ACTIVE without it")]
    private static partial void LogDroppedUpdate(ILogger logger, string stream, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovery: stream {Stream} was UPDATING; carrying out its acknowledged change {Change}")]
    private static partial void LogResumedUpdate(ILogger logger, string stream, string change);

    // ---- lookups ------------------------------------------------------------------------------------------------

    private bool TryParseStreamArn(string arn, out string name)
    {
        name = "";
        var parts = arn.Split(':', 6);
        if (parts.Length != 6 || parts[0] != "arn" || !parts[1].StartsWith("aws", StringComparison.Ordinal) || parts[2] != "kinesis") return false;
        if (!parts[5].StartsWith("stream/", StringComparison.Ordinal)) return false;
        name = parts[5]["stream/".Length..];
        var slash = name.IndexOf('/');
        if (slash >= 0) name = name[..slash];
        return parts[3] == Region && parts[4] == Account;
    }

    private StreamState Resolve(StreamRef r) => TryResolve(r, out var name) ?? throw KinesisException.StreamNotFound(name, Account);

    /// <summary>The stream a request names, or null (with the name to report) when there is none.</summary>
    private StreamState? TryResolve(StreamRef r, out string name)
    {
        if (r.Arn is not null)
        {
            var ours = TryParseStreamArn(r.Arn, out name);
            if (r.Name is not null && r.Name != name)
                throw KinesisException.Invalid($"StreamARN {r.Arn} and StreamName {r.Name} do not refer to the same stream.");
            if (name.Length == 0) name = r.Arn;
            if (!ours) return null;
        }
        else if (r.Name is not null) name = r.Name;
        else throw KinesisException.Invalid("Neither StreamName nor StreamARN was provided.");
        return _byName.GetValueOrDefault(name);
    }

    /// <summary>A stream that serves reads and writes (ACTIVE or UPDATING).</summary>
    private StreamState ResolveLive(StreamRef r)
    {
        var s = Resolve(r);
        return s.Status is StreamStatus.Active or StreamStatus.Updating ? s : throw KinesisException.StreamNotFound(s.Name, Account);
    }

    private StreamState ResolveActive(StreamRef r)
    {
        var s = Resolve(r);
        return s.Status == StreamStatus.Active ? s : throw KinesisException.NotActive(s.Name, Account, s.Status);
    }

    /// <summary>
    /// AWS parses shard ids before it looks the stream up: an id it cannot parse (<see cref="ShardId.TryParse"/>) is
    /// "Could not find shard &lt;as given&gt; …", whether or not the stream exists.
    /// </summary>
    private int ParseShardId(StreamRef stream, string shardId)
    {
        if (ShardId.TryParse(shardId, out var index)) return index;
        TryResolve(stream, out var name);
        throw new KinesisException(ErrorCode.ResourceNotFoundException, $"Could not find shard {shardId} in stream {name} under account {Account}.");
    }

    /// <inheritdoc cref="ParseShardId"/>
    private void CheckShardIds(StreamRef stream, params ReadOnlySpan<string> shardIds)
    {
        foreach (var shardId in shardIds) ParseShardId(stream, shardId);
    }

    private ShardState ResolveShard(StreamState s, string shardId, bool forIterator = false) =>
        ResolveShard(s, ParseShardId(new StreamRef(s.Name, null), shardId), forIterator);

    /// <summary>A retained shard of the stream; the message names the canonical id (<c>shardId-000000000005</c>).</summary>
    private ShardState ResolveShard(StreamState s, int index, bool forIterator = false)
    {
        if (s.FindShard(index) is { } shard && !IsExpired(s, shard)) return shard;
        throw forIterator ? ShardMissing(index, s.Name)
            : new KinesisException(ErrorCode.ResourceNotFoundException, $"Could not find shard {ShardId.Format(index)} in stream {s.Name} under account {Account}.");
    }

    /// <summary>The answer for a shard (or the stream holding it) that is not there, when reading.</summary>
    private KinesisException ShardMissing(int index, string stream) =>
        new(ErrorCode.ResourceNotFoundException, $"Shard {ShardId.Format(index)} in stream {stream} under account {Account} does not exist");

    private bool IsExpired(StreamState s, ShardState shard) => shard.ClosedMs is { } closed && closed < NowMs - s.RetentionMs;

    private IEnumerable<ShardState> RetainedShards(StreamState s) => s.Shards.Where(sh => !IsExpired(s, sh));

    // ---- locking and deferred transitions ------------------------------------------------------------------------

    /// <summary>Runs a read of control-plane state under the control lock (waiting for it without blocking a thread).</summary>
    private async ValueTask<T> ReadAsync<T>(Func<T> read)
    {
        await _control.WaitAsync().ConfigureAwait(false);
        try { return read(); }
        finally { _control.Release(); }
    }

    private async Task<T> WriteAsync<T>(Func<Task<T>> write)
    {
        await _control.WaitAsync().ConfigureAwait(false);
        try { return await write().ConfigureAwait(false); }
        finally { _control.Release(); }
    }

    private Task WriteAsync(Action write) => WriteAsync(() => { write(); return Task.FromResult(0); });

    private async Task WriteAsync(Func<Task> write)
    {
        await _control.WaitAsync().ConfigureAwait(false);
        try { await write().ConfigureAwait(false); }
        finally { _control.Release(); }
    }

    /// <summary>
    /// Completes an asynchronous state transition (CREATING → ACTIVE, UPDATING → ACTIVE, DELETING → gone). With no state
    /// delay it runs now, inside the caller's control-lock section, so the call that started it returns with it done;
    /// otherwise it runs under the control lock after <see cref="EngineOptions.StateDelay"/>. The caller has already
    /// written the state the transition starts from to the catalog, so a stop in between completes it on start.
    /// </summary>
    private Task LaterAsync(Func<Task> transition)
    {
        if (_options.StateDelay <= TimeSpan.Zero) return transition();
        var task = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(_options.StateDelay, _time, _stopping.Token).ConfigureAwait(false);
                await _control.WaitAsync(_stopping.Token).ConfigureAwait(false);
                try { await transition().ConfigureAwait(false); }
                finally { _control.Release(); }
            }
            catch (OperationCanceledException) { }
            catch (Exception e)
            {
                LogTransitionFailed(_logger, e);
            }
        });
        lock (_pending)
        {
            _pending.RemoveAll(t => t.IsCompleted);
            _pending.Add(task);
        }
        return Task.CompletedTask;
    }

    private Task LaterAsync(Action transition) => LaterAsync(() => { transition(); return Task.CompletedTask; });

    [LoggerMessage(Level = LogLevel.Error, Message = "A delayed state transition failed; it is retried when the server starts again")]
    private static partial void LogTransitionFailed(ILogger logger, Exception exception);

    private ShardState NewShard(StreamState s, int? parent, int? adjacent, HashKeyRange range, long nowMs, long seqEpochSeconds)
    {
        var index = s.NextShardIndex++;
        return new ShardState(index, parent, adjacent, range, nowMs, seqEpochSeconds, _logs.Open(LogId(s.Id, index)));
    }

    private async Task DeleteNowAsync(StreamState s)
    {
        _byName.TryRemove(new KeyValuePair<string, StreamState>(s.Name, s));
        _byId.TryRemove(s.Id, out _);
        var arns = new List<string> { s.Arn };
        arns.AddRange(s.Consumers.Select(c => c.Arn(s.Arn)));
        foreach (var arn in arns)
        {
            _tags.Remove(arn);
            _policies.TryRemove(arn, out _);
        }
        await _catalog.DeleteStreamAsync(s.Id, arns).ConfigureAwait(false);
        await _store.Checkpoints.DeleteStreamAsync(s.Id).ConfigureAwait(false);
        foreach (var shard in s.Shards) await _logs.DeleteAsync(shard.Log.Id).ConfigureAwait(false);
    }

    // ---- retention ---------------------------------------------------------------------------------------------

    private async Task SweepLoopAsync()
    {
        try
        {
            using var timer = new PeriodicTimer(_options.RetentionSweep, _time);
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
                await WriteAsync(SweepOnceAsync).ConfigureAwait(false);
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Deletes log segments past retention and drops closed shards whose records have all expired.</summary>
    internal async Task<int> SweepOnceAsync()
    {
        var now = NowMs;
        foreach (var s in _byId.Values)
        {
            var cutoff = now - s.RetentionMs;
            var expired = s.Shards.Where(sh => sh.ClosedMs is { } c && c < cutoff).ToList();
            foreach (var shard in s.Shards.Except(expired)) await shard.Log.TrimAsync(cutoff).ConfigureAwait(false);
            if (expired.Count == 0) continue;
            var kept = s.Shards.Except(expired).ToList();
            await SaveAsync(s, kept).ConfigureAwait(false);
            s.SetShards(kept);
            foreach (var shard in expired) await _logs.DeleteAsync(shard.Log.Id).ConfigureAwait(false);
        }
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        Task[] pending;
        lock (_pending) pending = [.. _pending, _sweeper, _scaler];
        await Task.WhenAll(pending).ConfigureAwait(false);
        _iterators.Dispose();
        _stopping.Dispose();
    }
}
