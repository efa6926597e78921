using Eddy.Core;

namespace Eddy.Streams;

public sealed partial class StreamEngine : IShardReaders
{
    public async ValueTask<IShardReader> OpenReaderAsync(StreamRef stream, string shardId, ShardPosition from)
    {
        var (s, shard, offset) = await ReadAsync(() =>
        {
            var live = ResolveLive(stream);
            var target = ResolveShard(live, shardId, forIterator: true);
            return (live, target, StartOffset(live, target, from.Type, from.SequenceNumber, from.Timestamp, "GetShardIterator"));
        }).ConfigureAwait(false);
        return new ShardReader(this, s, shard, offset);
    }

    public ValueTask<StreamShards> DescribeShardsAsync(StreamRef stream) => ReadAsync(() =>
    {
        var s = ResolveLive(stream);
        var shards = RetainedShards(s).Select(sh => new ShardLineage(sh.Id, sh.Index,
            [.. new[] { sh.Parent, sh.AdjacentParent }.OfType<int>().Select(ShardId.Format)], sh.IsOpen)).ToList();
        return new StreamShards(s.Name, s.Arn, s.Id, shards);
    });

    /// <summary>
    /// An <see cref="IShardReader"/>: reads a shard's log from its position with the same batch rules as GetRecords
    /// (retention, decryption, the shard's end known only once its children are listed), and when caught up waits on
    /// the log's <see cref="Storage.IShardLog.WaitForDataAsync"/>, the shard's end or the caller's deadline, whichever
    /// comes first. No wake-up is missed: the wait is for "a record at <c>offset</c> exists", which completes at once if
    /// the record was written between the empty read and the wait.
    /// </summary>
    private sealed class ShardReader(StreamEngine engine, StreamState stream, ShardState shard, long offset) : IShardReader
    {
        private long _offset = offset;
        private bool _ended;

        public string StreamArn => stream.Arn;
        public long StreamId => stream.Id;
        public string ShardId => shard.Id;

        /// <summary>Where the next batch starts (the subscription's heartbeat names the record before it).</summary>
        public long Offset => _offset;

        public async ValueTask<ShardBatch> ReadAsync(int maxRecords, long maxBytes, TimeSpan maxWait, CancellationToken cancellationToken)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxRecords, 1);
            var forever = maxWait == Timeout.InfiniteTimeSpan;
            var started = engine._time.GetTimestamp();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                EnsureExists();
                if (_ended) return new ShardBatch([], 0, true, Children(stream, shard), null);
                Batch batch;
                try
                {
                    batch = await engine.ReadBatchAsync(stream, shard, _offset, maxRecords, maxBytes, engine.NowMs).ConfigureAwait(false);
                }
                catch (ObjectDisposedException)
                {
                    throw Gone(); // the log was deleted with its stream or shard
                }
                _offset = batch.NextOffset;
                if (batch.ShardEnded)
                {
                    _ended = true;
                    return new ShardBatch(batch.Records, 0, true, Children(stream, shard), batch.Lease);
                }
                if (batch.Records.Count > 0) return new ShardBatch(batch.Records, batch.MillisBehind, false, null, batch.Lease);
                batch.Lease.Dispose();

                var left = forever ? Timeout.InfiniteTimeSpan : maxWait - engine._time.GetElapsedTime(started);
                if (!forever && left <= TimeSpan.Zero) return new ShardBatch([], 0, false, null, null);
                await WaitAsync(left, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>Waits for a record at the reader's offset, the shard's end or <paramref name="timeout"/>.</summary>
        private async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var data = Quiet(shard.Log.WaitForDataAsync(_offset, wait.Token));
            var timer = Quiet(Task.Delay(timeout, engine._time, wait.Token));
            await Task.WhenAny(data, timer, shard.Closed).ConfigureAwait(false);
            await wait.CancelAsync().ConfigureAwait(false);
        }

        private void EnsureExists()
        {
            if (!engine._byId.TryGetValue(stream.Id, out var current) || current.Status == StreamStatus.Deleting || engine.IsExpired(stream, shard))
                throw Gone();
        }

        private KinesisException Gone() => engine.ShardMissing(shard.Index, stream.Name);

        private static async Task Quiet(Task task)
        {
            try { await task.ConfigureAwait(false); }
            catch (OperationCanceledException) { }
            catch (ObjectDisposedException) { }
        }

        public void Dispose()
        {
        }
    }
}
