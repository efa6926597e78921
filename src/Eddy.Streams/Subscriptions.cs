using System.Collections.Concurrent;
using Eddy.Core;

namespace Eddy.Streams;

/// <summary>
/// SubscribeToShard sessions: at most one per consumer and shard (a newer one takes over after
/// <see cref="EngineOptions.SubscriptionTakeover"/>), each on a <see cref="ShardReader"/>.
/// </summary>
internal sealed class Subscriptions(EngineContext context, DataPlane data)
{
    private const int MaxEventRecords = 10_000;
    private const long MaxEventBytes = 2 * 1024 * 1024;

    /// <summary>Active push subscriptions by consumer ARN and shard index: at most one per pair.</summary>
    private readonly ConcurrentDictionary<(string ConsumerArn, int Shard), ShardSubscription> _subscriptions = new();

    private string Account => context.Account;
    private EngineContext Context => context;
    private DataPlane Data => data;

    public async Task<IShardSubscription> SubscribeToShardAsync(string consumerArn, string shardId, ShardIteratorType type, string? startingSequenceNumber, DateTimeOffset? timestamp)
    {
        var (s, shard, offset) = await context.Control.ReadAsync(() =>
        {
            var (stream, consumer) = context.Streams.ResolveConsumerArn(consumerArn);
            if (consumer is null) throw StreamTable.ConsumerNotFound(consumerArn);
            if (consumer.Status != ConsumerStatus.Active)
                throw new KinesisException(ErrorCode.ResourceInUseException, $"Consumer {consumerArn} is not in ACTIVE state, instead in state {consumer.Status.ToWire()}.");
            if (stream.Status is not (StreamStatus.Active or StreamStatus.Updating)) throw KinesisException.NotActive(stream.Name, Account, stream.Status);
            var target = context.Streams.ResolveShard(stream, shardId, forIterator: true);
            return (stream, target, data.StartOffset(stream, target, type, startingSequenceNumber, timestamp, "SubscribeToShard"));
        }).ConfigureAwait(false);

        var key = (consumerArn, shard.Index);
        var now = context.NowMs;
        var subscription = new ShardSubscription(this, s, new ShardReader(context, data, s, shard, offset), key, now);
        lock (_subscriptions)
        {
            if (_subscriptions.TryGetValue(key, out var existing) && !existing.HasEnded)
            {
                if (now - existing.StartedMs < (long)context.Options.SubscriptionTakeover.TotalMilliseconds)
                {
                    throw new KinesisException(ErrorCode.ResourceInUseException,
                        $"Another active subscription exists for consumer {consumerArn} on shard {shard.Id}.");
                }

                existing.End(new KinesisException(ErrorCode.ResourceInUseException,
                    $"Subscription for consumer {consumerArn} on shard {shard.Id} was taken over by a newer subscription."));
            }
            _subscriptions[key] = subscription;
        }
        return subscription;
    }

    /// <summary>Ends every subscription matching <paramref name="match"/> with <paramref name="reason"/>.</summary>
    public void EndWhere(Func<ShardSubscription, bool> match, KinesisException reason)
    {
        foreach (var subscription in _subscriptions.Values)
            if (match(subscription)) subscription.End(reason);
    }

    private void Unregister(ShardSubscription subscription)
    {
        lock (_subscriptions)
        {
            if (_subscriptions.TryGetValue(subscription.Key, out var current) && ReferenceEquals(current, subscription))
                _subscriptions.TryRemove(subscription.Key, out _);
        }
    }

    /// <summary>
    /// One SubscribeToShard session, on a <see cref="ShardReader"/>: records are pushed as soon as the reader has them;
    /// after <see cref="EngineOptions.SubscriptionHeartbeat"/> without any, an empty event (a heartbeat) goes out; a shard's
    /// end goes out as its own event after the last records. Threading: <see cref="NextAsync"/> is called by one reader at a
    /// time (the HTTP response loop); <see cref="End"/> may be called from any thread (takeover, deregistration, deletion).
    /// </summary>
    internal sealed class ShardSubscription(Subscriptions owner, StreamState stream, ShardReader reader, (string ConsumerArn, int Shard) key, long startedMs)
        : IShardSubscription
    {
        private readonly CancellationTokenSource _ended = new();
        private readonly long _deadlineMs = startedMs + (long)owner.Context.Options.SubscriptionLifetime.TotalMilliseconds;
        private readonly ShardState _shard = stream.FindShard(key.Shard)!;
        private string? _continuation;
        private bool _endNext;
        private bool _finished;
        private KinesisException? _endReason;

        public (string ConsumerArn, int Shard) Key { get; } = key;
        public long StartedMs { get; } = startedMs;
        public long StreamId => stream.Id;
        public bool HasEnded => _finished || _ended.IsCancellationRequested;
        public KinesisException? EndReason => Volatile.Read(ref _endReason);

        public void End(KinesisException reason)
        {
            Interlocked.CompareExchange(ref _endReason, reason, null);
            try { _ended.Cancel(); }
            catch (ObjectDisposedException) { }
        }

        public async ValueTask<SubscriptionEvent?> NextAsync(CancellationToken cancellationToken)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _ended.Token);
            while (true)
            {
                var now = owner.Context.NowMs;
                if (_finished || _ended.IsCancellationRequested || now >= _deadlineMs)
                {
                    _finished = true;
                    return null;
                }
                cancellationToken.ThrowIfCancellationRequested();
                if (_endNext)
                {
                    _finished = true;
                    return new SubscriptionEvent([], null, 0, DataPlane.Children(stream, _shard));
                }

                // With shard limits on, each consumer gets its own 2 MiB/s per shard: pace the pushes.
                var budget = owner.Data.LimitsOn(stream) ? _shard.Budget(owner.Context.Time).Consumer(Key.ConsumerArn) : null;
                if (budget?.TimeUntilPositive() is { } pause && pause > TimeSpan.Zero)
                {
                    await Quiet(Task.Delay(pause, owner.Context.Time, linked.Token)).ConfigureAwait(false);
                    continue; // re-check the end conditions after the pause
                }
                var heartbeat = TimeSpan.FromMilliseconds(Math.Min(owner.Context.Options.SubscriptionHeartbeat.TotalMilliseconds, Math.Max(0, _deadlineMs - now)));
                ShardBatch batch;
                try
                {
                    batch = await reader.ReadAsync(MaxEventRecords, MaxEventBytes, heartbeat, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    continue; // ended meanwhile: the check above says so
                }
                budget?.TakeAllowingDebt(batch.Records.Sum(r => (long)r.Data.Length + r.PartitionKey.Length));
                if (batch.LastSequenceNumber is { } last) _continuation = last;
                if (batch.ShardEnded)
                {
                    // Records left before the end go out first; the end event follows on the next call.
                    _endNext = true;
                    if (batch.Records.Count == 0)
                    {
                        batch.Dispose();
                        continue;
                    }
                    return new SubscriptionEvent(batch.Records, _continuation, 0, null) { Lease = batch.TakeLease() };
                }
                if (batch.Records.Count > 0)
                    return new SubscriptionEvent(batch.Records, _continuation, batch.MillisBehindLatest, null) { Lease = batch.TakeLease() };
                batch.Dispose();
                // Idle for a heartbeat's time: say so, naming the last record seen (or the one before the position).
                if (!_ended.IsCancellationRequested && owner.Context.NowMs < _deadlineMs)
                    return new SubscriptionEvent([], _continuation ?? _shard.SequenceNumberAt(reader.Offset - 1, _shard.SeqEpochSeconds * 1000), 0, null);
            }
        }

        private static async Task Quiet(Task task)
        {
            try { await task.ConfigureAwait(false); }
            catch (OperationCanceledException) { }
            catch (ObjectDisposedException) { }
        }

        public ValueTask DisposeAsync()
        {
            _finished = true;
            owner.Unregister(this);
            reader.Dispose();
            _ended.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
