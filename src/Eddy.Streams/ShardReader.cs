using Eddy.Core;

namespace Eddy.Streams;

/// <summary>
/// An <see cref="IShardReader"/>: reads a shard's log from its position with the same batch rules as GetRecords
/// (retention, decryption, the shard's end known only once its children are listed), and when caught up waits on
/// the log's <see cref="Storage.IShardLog.WaitForDataAsync"/>, the shard's end or the caller's deadline, whichever
/// comes first. No wake-up is missed: the wait is for "a record at <c>offset</c> exists", which completes at once if
/// the record was written between the empty read and the wait.
/// </summary>
internal sealed class ShardReader(EngineContext context, DataPlane data, StreamState stream, ShardState shard, long offset) : IShardReader
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
        var started = context.Time.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            EnsureExists();
            if (_ended) return new ShardBatch([], 0, true, DataPlane.Children(stream, shard), null);
            DataPlane.Batch batch;
            try
            {
                batch = await data.ReadBatchAsync(stream, shard, _offset, maxRecords, maxBytes, context.NowMs).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                throw Gone(); // the log was deleted with its stream or shard
            }
            _offset = batch.NextOffset;
            if (batch.ShardEnded)
            {
                _ended = true;
                return new ShardBatch(batch.Records, 0, true, DataPlane.Children(stream, shard), batch.Lease);
            }
            if (batch.Records.Count > 0) return new ShardBatch(batch.Records, batch.MillisBehind, false, null, batch.Lease);
            batch.Lease.Dispose();

            var left = forever ? Timeout.InfiniteTimeSpan : maxWait - context.Time.GetElapsedTime(started);
            if (!forever && left <= TimeSpan.Zero) return new ShardBatch([], 0, false, null, null);
            await WaitAsync(left, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for a record at the reader's offset, the shard's end or <paramref name="timeout"/>.</summary>
    private async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var data = Quiet(shard.Log.WaitForDataAsync(_offset, wait.Token));
        var timer = Quiet(Task.Delay(timeout, context.Time, wait.Token));
        await Task.WhenAny(data, timer, shard.Closed).ConfigureAwait(false);
        await wait.CancelAsync().ConfigureAwait(false);
    }

    private void EnsureExists()
    {
        if (context.Streams.FindById(stream.Id) is not { } current || current.Status == StreamStatus.Deleting || context.Streams.IsExpired(stream, shard))
            throw Gone();
    }

    private KinesisException Gone() => context.Streams.ShardMissing(shard.Index, stream.Name);

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
