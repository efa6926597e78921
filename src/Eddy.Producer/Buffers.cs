using System.Text;

namespace Eddy.Producer;

/// <summary>One user record from <see cref="KinesisProducer.AddUserRecordAsync"/> to its completion.</summary>
internal sealed class UserRecord(string stream, string partitionKey, byte[] data, string? explicitHashKey, UInt128 hashKey, long expires)
{
    public string Stream { get; } = stream;
    public string PartitionKey { get; } = partitionKey;
    public byte[] Data { get; } = data;
    public string? ExplicitHashKey { get; } = explicitHashKey;
    public UInt128 HashKey { get; } = hashKey;
    /// <summary>UTC ticks after which the record fails with <see cref="ProducerErrors.Expired"/>.</summary>
    public long Expires { get; } = expires;
    /// <summary>Bytes counted against the buffer and the PutRecords size: data + UTF-8 partition key.</summary>
    public int Size { get; } = data.Length + Encoding.UTF8.GetByteCount(partitionKey);
    public TaskCompletionSource<UserRecordResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>PutRecords calls that carried it.</summary>
    public int Attempts { get; set; }
    /// <summary>When a retry is due (UTC ticks).</summary>
    public long Due { get; set; }
    public string LastErrorCode { get; set; } = ProducerErrors.Expired;
    public string LastErrorMessage { get; set; } = "Record has reached expiration";
}

/// <summary>A PutRecords entry: one raw user record, or a KPL aggregate of several predicted for one shard.</summary>
internal sealed class KinesisRecord(string? predictedShard, List<UserRecord> records, byte[] data, string partitionKey, string explicitHashKey, long deadline)
{
    public string? PredictedShard { get; } = predictedShard;
    public List<UserRecord> Records { get; } = records;
    public byte[] Data { get; } = data;
    public string PartitionKey { get; } = partitionKey;
    public string ExplicitHashKey { get; } = explicitHashKey;
    /// <summary>When it must be sent (the earliest deadline of its user records), UTC ticks.</summary>
    public long Deadline { get; } = deadline;
    public long Expires { get; } = records.Min(r => r.Expires);
    public int Size { get; } = data.Length + Encoding.UTF8.GetByteCount(partitionKey);
}

/// <summary>The user records being packed into one aggregate for one predicted shard.</summary>
/// <remarks>Not thread-safe: used under the producer's lock.</remarks>
internal sealed class Aggregator(string? shardId)
{
    private readonly Dictionary<string, int> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _hashKeys = new(StringComparer.Ordinal);
    private readonly List<(int Key, int Hash)> _indexes = [];
    private List<UserRecord> _records = [];
    private AggregateSize _size;

    public int Count => _records.Count;

    /// <summary>The earliest deadline of the records inside (UTC ticks); <see cref="long.MaxValue"/> when empty.</summary>
    public long Deadline { get; private set; } = long.MaxValue;

    /// <summary>The aggregate's size with <paramref name="record"/> added.</summary>
    public long SizeWith(UserRecord record) =>
        KplAggregation.Overhead + _size.Protobuf + _size.Growth(_keys, _hashKeys, record.PartitionKey, record.ExplicitHashKey, record.Data.Length);

    public void Add(UserRecord record, long deadline)
    {
        _indexes.Add(_size.Add(_keys, _hashKeys, record.PartitionKey, record.ExplicitHashKey, record.Data.Length));
        _records.Add(record);
        Deadline = Math.Min(Deadline, deadline);
    }

    /// <summary>The Kinesis record of what was added (raw for one user record), leaving the aggregator empty.</summary>
    public KinesisRecord Seal()
    {
        var records = _records;
        KinesisRecord sealedRecord;
        if (records.Count == 1)
        {
            sealedRecord = Single(shardId, records[0], Deadline);
        }
        else
        {
            var data = KplAggregation.Write(_keys, _hashKeys, _size.Protobuf, records.Count, i => (_indexes[i].Key, _indexes[i].Hash, records[i].Data));
            sealedRecord = new(shardId, records, data, "a", HashKeys.Format(records[0].HashKey), Deadline);
        }
        _records = [];
        _keys.Clear();
        _hashKeys.Clear();
        _indexes.Clear();
        _size = default;
        Deadline = long.MaxValue;
        return sealedRecord;
    }

    /// <summary>A user record sent on its own: its data and partition key, and its hash key as ExplicitHashKey (as the KPL sends it).</summary>
    public static KinesisRecord Single(string? shardId, UserRecord record, long deadline) =>
        new(shardId, [record], record.Data, record.PartitionKey, HashKeys.Format(record.HashKey), deadline);
}
