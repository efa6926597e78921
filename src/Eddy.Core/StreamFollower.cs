namespace Eddy.Core;

/// <summary>Settings of a <see cref="StreamFollower"/>.</summary>
public sealed record StreamFollowerOptions
{
    /// <summary>Largest batch handed to the handler.</summary>
    public int MaxRecords { get; init; } = 10_000;

    /// <summary>About how many bytes of data a batch holds at most.</summary>
    public long MaxBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>How long a shard's reader waits for records before it hands over an empty batch (only when
    /// <see cref="DeliverEmptyBatches"/>).</summary>
    public TimeSpan IdleWait { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Hand empty batches to the handler after <see cref="IdleWait"/> without records (for consumers with
    /// timers of their own, e.g. buffering intervals); otherwise readers wait for records without limit.</summary>
    public bool DeliverEmptyBatches { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Called when the follower starts reading a shard (its id and starting position), once the shard's reader
    /// is open: a record written after this call is read. For logs and tests.</summary>
    public Action<string, ShardPosition>? ShardStarted { get; init; }
}

/// <summary>A batch of one shard handed to a <see cref="StreamFollower"/>'s handler. Its records' memory is valid until
/// the handler returns (<see cref="ShardBatch.TakeLease"/> keeps it longer).</summary>
public sealed record FollowedBatch(string ShardId, ShardBatch Batch);

/// <summary>
/// Reads every shard of a stream for one named consumer of Eddy's own (a delivery stream's stream source, a SQL
/// application, a trigger), the way KCL workers do: each shard in order, parents before children (a child starts
/// once every retained parent has been read to its end), resuming after a restart from durable checkpoints.
/// </summary>
/// <remarks>
/// <para>Delivery: each batch is handed to the handler, and once the handler returns, its position is checkpointed
/// (<see cref="ICheckpointStore"/>, durable before the next batch of that shard is read). A batch is therefore handled
/// at least once: after a crash between the handler's return and the checkpoint, the batch comes again. Handlers
/// that must not repeat work make their effect and their own record of progress one durable step, or are idempotent.</para>
/// <para>Threading: one loop per shard being read; the handler is called by at most one loop per shard at a time,
/// but by several shards' loops concurrently. Checkpoints are per (consumer, stream incarnation, shard): a stream
/// deleted and created again under its name is read from the initial position.</para>
/// <para>Initial position (for shards without a checkpoint): <see cref="ShardIteratorType.TrimHorizon"/> or
/// <see cref="ShardIteratorType.AtTimestamp"/> start at the stream's root shards; <see cref="ShardIteratorType.Latest"/>
/// starts at the shards open now, from their tip (as with KCL, records written before the first checkpoint of a LATEST
/// follower that restarts are not read). Children always start at their beginning.</para>
/// </remarks>
public sealed class StreamFollower(IShardReaders readers, ICheckpointStore checkpoints, string consumer, StreamRef stream, ShardPosition initial, StreamFollowerOptions? options = null)
{
    private readonly StreamFollowerOptions _options = options ?? new StreamFollowerOptions();

    /// <summary>The consumer's name in the checkpoint store.</summary>
    public string Consumer { get; } = consumer;

    /// <summary>
    /// Reads until <paramref name="cancellationToken"/> is cancelled (then completes without an exception) or until
    /// something fails: the handler throws, the stream is deleted (<see cref="KinesisException"/> ResourceNotFound), or the
    /// checkpoint store fails; then the other shards' loops stop and the exception rises. Call again to resume.
    /// </summary>
    public async Task RunAsync(Func<FollowedBatch, CancellationToken, ValueTask> handle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handle);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var state = new RunState(await LoadAsync(cancellationToken).ConfigureAwait(false));
        var loops = new List<Task>();
        try
        {
            while (true)
            {
                var shards = await readers.DescribeShardsAsync(stream).ConfigureAwait(false);
                foreach (var (shard, from) in state.TakeReadable(shards, initial))
                    loops.Add(ReadShardAsync(shard, from, handle, state, stop.Token));
                if (loops.Count == 0) return; // every shard read to its end (a stream that was closed for good)
                var done = await Task.WhenAny(loops).ConfigureAwait(false);
                loops.Remove(done);
                await done.ConfigureAwait(false); // an error rises here; a finished shard may make children readable
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(loops).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>The consumer's checkpoints in the stream's current incarnation, by shard index.</summary>
    private async Task<(long StreamId, Dictionary<int, Checkpoint> ByShard)> LoadAsync(CancellationToken cancellationToken)
    {
        var streamId = (await readers.DescribeShardsAsync(stream).ConfigureAwait(false)).StreamId;
        var saved = await checkpoints.LoadAsync(Consumer, cancellationToken).ConfigureAwait(false);
        return (streamId, saved.Where(c => c.StreamId == streamId).ToDictionary(c => c.ShardIndex));
    }

    private async Task ReadShardAsync(ShardLineage shard, ShardPosition from, Func<FollowedBatch, CancellationToken, ValueTask> handle, RunState state, CancellationToken cancellationToken)
    {
        await Task.Yield(); // the caller goes on starting the other shards' loops
        using var reader = await readers.OpenReaderAsync(stream, shard.ShardId, from).ConfigureAwait(false);
        _options.ShardStarted?.Invoke(shard.ShardId, from);
        var wait = _options.DeliverEmptyBatches ? _options.IdleWait : Timeout.InfiniteTimeSpan;
        while (true)
        {
            using var batch = await reader.ReadAsync(_options.MaxRecords, _options.MaxBytes, wait, cancellationToken).ConfigureAwait(false);
            if (batch.Records.Count > 0 || batch.ShardEnded || _options.DeliverEmptyBatches)
                await handle(new FollowedBatch(shard.ShardId, batch), cancellationToken).ConfigureAwait(false);
            if (batch.LastSequenceNumber is not null || batch.ShardEnded)
            {
                var previous = state.Checkpoint(shard.Index);
                var checkpoint = new Checkpoint(Consumer, reader.StreamId, shard.Index, batch.LastSequenceNumber ?? previous?.SequenceNumber, 0,
                    batch.ShardEnded, _options.Time.GetUtcNow().ToUnixTimeMilliseconds());
                // Not cancellable: a handled batch keeps its checkpoint also when the follower is being stopped.
                await checkpoints.SaveAsync([checkpoint], CancellationToken.None).ConfigureAwait(false);
                state.Save(checkpoint);
            }
            if (batch.ShardEnded) return;
        }
    }

    /// <summary>Which shards are done, being read, or waiting for their parents. Thread-safe (shard loops save into it).</summary>
    private sealed class RunState((long StreamId, Dictionary<int, Checkpoint> ByShard) loaded)
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<int, Checkpoint> _checkpoints = loaded.ByShard;
        private readonly HashSet<int> _started = [];
        private bool _first = true;

        public Checkpoint? Checkpoint(int shard)
        {
            lock (_gate) return _checkpoints.GetValueOrDefault(shard);
        }

        public void Save(Checkpoint checkpoint)
        {
            lock (_gate) _checkpoints[checkpoint.ShardIndex] = checkpoint;
        }

        /// <summary>The shards to start reading now, each with its position: not ended, not started, and every retained
        /// parent ended. Shards closed before a LATEST follower ever started count as ended.</summary>
        public List<(ShardLineage Shard, ShardPosition From)> TakeReadable(StreamShards shards, ShardPosition initial)
        {
            lock (_gate)
            {
                var retained = shards.Shards.Select(s => s.ShardId).ToHashSet(StringComparer.Ordinal);
                var byId = shards.Shards.ToDictionary(s => s.ShardId, StringComparer.Ordinal);
                bool Ended(ShardLineage s) => _checkpoints.GetValueOrDefault(s.Index)?.ShardEnded == true;
                var latestStart = _first && initial.Type == ShardIteratorType.Latest && _checkpoints.Count == 0;
                _first = false;
                var readable = new List<(ShardLineage, ShardPosition)>();
                foreach (var shard in shards.Shards)
                {
                    if (_started.Contains(shard.Index) || Ended(shard)) continue;
                    if (latestStart && !shard.IsOpen)
                    {
                        _checkpoints[shard.Index] = new Checkpoint("", shards.StreamId, shard.Index, null, 0, true, 0); // in memory only
                        continue;
                    }
                    var parents = shard.ParentShardIds.Where(retained.Contains).ToList();
                    if (!parents.All(p => Ended(byId[p]))) continue;
                    var saved = _checkpoints.GetValueOrDefault(shard.Index);
                    var from = saved?.SequenceNumber is { } seq ? ShardPosition.AfterSequenceNumber(seq)
                        : latestStart ? ShardPosition.Latest // an open shard when a LATEST follower first starts
                        : parents.Count > 0 || saved is not null || initial.Type == ShardIteratorType.Latest ? ShardPosition.TrimHorizon
                        : initial;
                    _started.Add(shard.Index);
                    readable.Add((shard, from));
                }
                return readable;
            }
        }
    }
}
