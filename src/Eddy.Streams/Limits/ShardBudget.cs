using Eddy.Core.Throughput;

namespace Eddy.Streams.Limits;

/// <summary>
/// A shard's throughput budget as AWS provisions it: writes 1 MiB/s and 1000 records/s,
/// GetRecords 5 calls/s and 2 MiB/s (a large read puts the shard in debt, so the next calls wait), GetShardIterator
/// 5 calls/s; each enhanced fan-out consumer gets its own 2 MiB/s. Bursts up to one second's budget.
/// </summary>
internal sealed class ShardBudget(TimeProvider time)
{
    public const double WriteBytesPerSecond = 1024 * 1024;
    public const double WriteRecordsPerSecond = 1000;
    public const double ReadBytesPerSecond = 2 * 1024 * 1024;
    public const double ReadCallsPerSecond = 5;

    private readonly TokenBucket _writeBytes = new(WriteBytesPerSecond, WriteBytesPerSecond, time);
    private readonly TokenBucket _writeRecords = new(WriteRecordsPerSecond, WriteRecordsPerSecond, time);
    private readonly TokenBucket _readCalls = new(ReadCallsPerSecond, ReadCallsPerSecond, time);
    private readonly TokenBucket _readBytes = new(ReadBytesPerSecond, ReadBytesPerSecond, time);
    private readonly TokenBucket _iteratorCalls = new(ReadCallsPerSecond, ReadCallsPerSecond, time);
    private readonly Dictionary<string, TokenBucket> _consumers = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = time;

    /// <summary>Admits one record of <paramref name="bytes"/> (data + partition key) or refuses it whole.</summary>
    public bool TryWrite(int bytes)
    {
        lock (this)
        {
            if (!_writeRecords.TryTake(1)) return false;
            if (_writeBytes.TryTake(bytes)) return true;
            _writeRecords.Give(1);
            return false;
        }
    }

    /// <summary>Admits a GetRecords call: a call token and a read budget not in debt.</summary>
    public bool TryRead() => _readBytes.HasTokens && _readCalls.TryTake(1);

    public void Read(long bytes) => _readBytes.TakeAllowingDebt(bytes);

    public bool TryGetIterator() => _iteratorCalls.TryTake(1);

    /// <summary>The push budget of one enhanced fan-out consumer on this shard.</summary>
    public TokenBucket Consumer(string consumerArn)
    {
        lock (_consumers)
        {
            if (!_consumers.TryGetValue(consumerArn, out var bucket))
                _consumers[consumerArn] = bucket = new TokenBucket(ReadBytesPerSecond, ReadBytesPerSecond, _time);
            return bucket;
        }
    }
}

/// <summary>
/// Recent write throughput of a shard (always measured, limits or not): an exponentially weighted rate over ~5 s,
/// for on-demand scaling.
/// </summary>
internal sealed class WriteMeter
{
    private long _bytes;
    private long _records;

    public void Add(long bytes, long records)
    {
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Add(ref _records, records);
    }

    /// <summary>Bytes/s and records/s smoothed over the samples taken so far (call once per interval).</summary>
    public (double BytesPerSecond, double RecordsPerSecond) Sample(double intervalSeconds)
    {
        var bytes = Interlocked.Exchange(ref _bytes, 0);
        var records = Interlocked.Exchange(ref _records, 0);
        const double weight = 0.4;
        BytesPerSecond = BytesPerSecond * (1 - weight) + bytes / intervalSeconds * weight;
        RecordsPerSecond = RecordsPerSecond * (1 - weight) + records / intervalSeconds * weight;
        return (BytesPerSecond, RecordsPerSecond);
    }

    public double BytesPerSecond { get; private set; }
    public double RecordsPerSecond { get; private set; }
}
