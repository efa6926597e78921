using Eddy.Catalog;
using Eddy.Storage;

namespace Eddy.Firehose;

/// <summary>
/// One delivery stream in memory: its catalog record and parsed destination (replaced whole under the engine's control
/// lock, read without it), its buffer log, counters, and its background work (the delivery loop; the Kinesis source).
/// </summary>
internal sealed class DeliveryStream(DeliveryStreamRecord record, Destination destination, IShardLog log, string arn)
{
    private volatile DeliveryStreamRecord _record = record;
    private volatile Destination _destination = destination;

    public DeliveryStreamRecord Record
    {
        get => _record;
        set => _record = value;
    }

    public Destination Destination
    {
        get => _destination;
        set => _destination = value;
    }

    public IShardLog Log { get; } = log;

    public string Arn { get; } = arn;

    public DeliveryCounters Counters { get; } = new(record.Name);

    /// <summary>Set and cleared under the control lock.</summary>
    public DeliveryLoop? Loop { get; set; }

    /// <summary>Set and cleared under the control lock.</summary>
    public KinesisSource? Source { get; set; }

    public static string LogId(long id) => $"firehose-{id}";
}
