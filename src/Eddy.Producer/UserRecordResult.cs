namespace Eddy.Producer;

/// <summary>Where a user record was stored: the shard, the sequence number of the Kinesis record that carries it, and
/// its position inside that record (0 for a record sent on its own; 0, 1, 2, … inside an aggregate, as the KCL numbers
/// them when it de-aggregates).</summary>
public readonly record struct UserRecordResult(string ShardId, string SequenceNumber, long SubSequenceNumber);
