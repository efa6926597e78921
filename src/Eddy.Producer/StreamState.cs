namespace Eddy.Producer;

/// <summary>Everything the producer buffers for one stream: the shard map, one aggregator per predicted shard, the
/// per-shard limiter queues, the PutRecords being collected and the records waiting for a retry.</summary>
/// <remarks>Not thread-safe: used under the producer's lock.</remarks>
internal sealed class StreamState(string name, double recordsPerSecond, double bytesPerSecond, long now)
{
    public string Name { get; } = name;

    /// <summary>The shard map; null until the first ListShards answered.</summary>
    public ShardMap? Map { get; set; }

    /// <summary>The ListShards in progress (completes when the map is replaced, or the stream failed).</summary>
    public Task? Refresh { get; set; }

    /// <summary>Set once the stream failed for good (it is no longer in the producer's table).</summary>
    public UserRecordFailedException? Gone { get; set; }

    /// <summary>Records added before the first shard map.</summary>
    public List<UserRecord> Unmapped { get; } = [];

    /// <summary>Records waiting for a retry (<see cref="UserRecord.Due"/>).</summary>
    public List<UserRecord> Delayed { get; } = [];

    public Dictionary<string, Aggregator> Aggregators { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ShardQueue> Shards { get; } = new(StringComparer.Ordinal);

    /// <summary>The next PutRecords call being filled.</summary>
    public List<KinesisRecord> Collected { get; set; } = [];

    public long CollectedBytes { get; set; }

    public long CollectedDeadline { get; set; } = long.MaxValue;

    public Aggregator AggregatorOf(string? shardId)
    {
        var key = shardId ?? "";
        if (!Aggregators.TryGetValue(key, out var aggregator))
        {
            aggregator = new Aggregator(shardId);
            Aggregators.Add(key, aggregator);
        }
        return aggregator;
    }

    public ShardQueue QueueOf(string? shardId)
    {
        var key = shardId ?? "";
        if (!Shards.TryGetValue(key, out var queue))
        {
            queue = new ShardQueue(new TokenBucket(recordsPerSecond, now, TimeSpan.TicksPerSecond), new TokenBucket(bytesPerSecond, now, TimeSpan.TicksPerSecond));
            Shards.Add(key, queue);
        }
        return queue;
    }

    /// <summary>Every user record buffered for the stream, taken out of the buffers.</summary>
    public List<UserRecord> TakeAll()
    {
        List<UserRecord> all = [.. Unmapped, .. Delayed];
        Unmapped.Clear();
        Delayed.Clear();
        foreach (var aggregator in Aggregators.Values)
        {
            if (aggregator.Count > 0) all.AddRange(aggregator.Seal().Records);
        }
        foreach (var queue in Shards.Values)
        {
            while (queue.Records.TryDequeue(out var record)) all.AddRange(record.Records);
        }
        foreach (var record in Collected)
        {
            all.AddRange(record.Records);
        }
        Collected = [];
        CollectedBytes = 0;
        CollectedDeadline = long.MaxValue;
        return all;
    }
}

/// <summary>The Kinesis records of one shard waiting for its token buckets (records/s and bytes/s).</summary>
internal sealed class ShardQueue(TokenBucket records, TokenBucket bytes)
{
    public Queue<KinesisRecord> Records { get; } = new();
    public TokenBucket RecordTokens { get; } = records;
    public TokenBucket ByteTokens { get; } = bytes;
}
