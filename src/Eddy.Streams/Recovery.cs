using Eddy.Core;
using Microsoft.Extensions.Logging;

namespace Eddy.Streams;

/// <summary>
/// Start-up: loads every stream and the parts' stored state, then recovers: a creation a stop interrupted completes,
/// a deletion is carried out, an acknowledged UPDATING change is carried out, and the log store is brought in line with
/// the catalog. Runs before anything else (no lock needed).
/// </summary>
internal sealed partial class Recovery(
    EngineContext context, ControlPlane control, StreamUpdates updates, StreamTags tags, ResourcePolicies policies, AccountSettings settings)
{
    private ILogger Logger => context.Logger;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var stored = context.Logs.ListLogs().ToHashSet(StringComparer.Ordinal);
        var interrupted = new List<StreamState>();
        foreach (var row in await context.Catalog.LoadStreamsAsync(cancellationToken).ConfigureAwait(false))
        {
            var s = new StreamState
            {
                Id = row.Id, Name = row.Name, Arn = context.Streams.StreamArn(row.Name), StreamToken = row.Token, CreatedMs = row.CreatedMs,
                Status = row.Status, Mode = row.Mode, RetentionHours = row.RetentionHours, EncryptionType = row.EncryptionType,
                KeyId = row.KeyId, ShardLevelMetrics = [.. row.Metrics],
                MaxRecordKiB = row.MaxRecordKiB, WarmTargetMiBps = row.WarmTargetMiBps, NextShardIndex = row.NextShardIndex,
                Pending = row.PendingUpdate is null ? null : PendingUpdate.Decode(row.PendingUpdate),
            };
            var shards = new List<ShardState>();
            foreach (var r in row.Shards)
            {
                var logId = EngineContext.LogId(row.Id, r.Index);
                if (!stored.Contains(logId) && (r.ClosedMs is null || r.EndOffset > 0))
                    LogMissingLog(Logger, row.Name, ShardId.Format(r.Index), logId);
                var shard = new ShardState(r.Index, r.Parent, r.Adjacent, new HashKeyRange(r.StartHash, r.EndHash), r.CreatedMs, r.SeqEpoch, context.Logs.Open(logId));
                if (r.ClosedMs is { } closed) shard.RestoreClosed(closed, r.EndOffset ?? shard.Log.EndOffset);
                shards.Add(shard);
            }
            s.SetShards(shards);
            foreach (var c in row.Consumers)
                s.Consumers.Add(new ConsumerState(c.Name, c.CreatedMs, c.Status == ConsumerStatus.Creating ? ConsumerStatus.Active : c.Status));
            s.Consumers.RemoveAll(c => c.Status == ConsumerStatus.Deleting);
            if (s.Status == StreamStatus.Deleting)
            {
                await control.DeleteNowAsync(s).ConfigureAwait(false);
                continue;
            }
            context.Streams.Add(s);
            if (s.Status == StreamStatus.Updating)
            {
                interrupted.Add(s);
            }
            else
            {
                s.Status = StreamStatus.Active; // a creation interrupted by a stop completes on start
                await context.SaveAsync(s).ConfigureAwait(false);
            }
        }
        await tags.LoadAsync(cancellationToken).ConfigureAwait(false);
        await policies.LoadAsync(cancellationToken).ConfigureAwait(false);
        await settings.LoadAsync(cancellationToken).ConfigureAwait(false);
        await ReconcileLogsAsync(stored).ConfigureAwait(false);
        // An acknowledged change that a stop interrupted is carried out now (nothing else runs yet).
        foreach (var s in interrupted)
        {
            if (s.Pending is { } pending) LogResumedUpdate(Logger, s.Name, pending.Encode());
            try
            {
                await updates.FinishAsync(s).ConfigureAwait(false);
            }
            catch (KinesisException e) // a key that no longer resolves: the change cannot be made any more
            {
                LogDroppedUpdate(Logger, s.Name, e.Message);
                s.Pending = null;
                s.Status = StreamStatus.Active;
                await context.SaveAsync(s).ConfigureAwait(false);
            }
        }
    }

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
                LogForeignLog(Logger, id);
                continue;
            }
            var s = context.Streams.FindById(streamId);
            if (s?.FindShard(index) is not null) continue;
            if (s is null)
            {
                await context.Logs.DeleteAsync(id).ConfigureAwait(false);
                LogRemovedLog(Logger, id, "its stream was deleted");
                continue;
            }
            if (index < s.NextShardIndex)
            {
                await context.Logs.DeleteAsync(id).ConfigureAwait(false);
                LogRemovedLog(Logger, id, $"shard {ShardId.Format(index)} of stream {s.Name} expired");
                continue;
            }
            var log = context.Logs.Open(id);
            if (log.EndOffset == 0)
            {
                await context.Logs.DeleteAsync(id).ConfigureAwait(false);
                LogRemovedLog(Logger, id, $"a reshard of stream {s.Name} did not commit; the log was empty");
                continue;
            }
            s.NextShardIndex = Math.Max(s.NextShardIndex, index + 1);
            await context.SaveAsync(s).ConfigureAwait(false);
            LogKeptOrphan(Logger, id, s.Name, log.EndOffset - log.StartOffset, ShardId.Format(s.NextShardIndex));
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
}
