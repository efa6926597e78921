using System.Diagnostics.Metrics;

namespace Eddy.Producer;

/// <summary>The <c>Eddy.Producer</c> meter: counters tagged with <c>stream</c>, and the records buffered.</summary>
internal sealed class ProducerMetrics : IDisposable
{
    public const string MeterName = "Eddy.Producer";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    public ProducerMetrics(IMeterFactory? factory, Func<long> buffered)
    {
        _ownsMeter = factory is null;
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        UserRecordsPut = _meter.CreateCounter<long>("eddy.producer.user_records_put", "{record}", "User records stored (their task completed with a result).");
        KinesisRecordsPut = _meter.CreateCounter<long>("eddy.producer.kinesis_records_put", "{record}", "Kinesis records (aggregates or single user records) PutRecords stored.");
        Retries = _meter.CreateCounter<long>("eddy.producer.retries", "{record}", "User records scheduled for another attempt.");
        Errors = _meter.CreateCounter<long>("eddy.producer.errors", "{record}", "User records that failed for good (their task faulted).");
        _meter.CreateObservableGauge("eddy.producer.buffered", buffered, "{record}", "User records added and not yet completed.");
    }

    public Counter<long> UserRecordsPut { get; }
    public Counter<long> KinesisRecordsPut { get; }
    public Counter<long> Retries { get; }
    public Counter<long> Errors { get; }

    /// <summary>Disposes the meter unless a factory made it (the factory owns its meters).</summary>
    public void Dispose()
    {
        if (_ownsMeter) _meter.Dispose();
    }
}
