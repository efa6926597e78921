using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Eddy.Producer.Tests;

/// <summary>Listens to the <c>Eddy.Producer</c> meter for one stream (by its <c>stream</c> tag): totals per counter, and
/// waits for a total to be reached. Counter measurements arrive synchronously inside the producer, after the state they
/// report is in place, so a test that has seen "retries = 1" knows the retry is scheduled.</summary>
internal sealed class MetricsProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _totals = new();
    private readonly Lock _lock = new();
    private readonly List<(string Name, long Total, TaskCompletionSource Done)> _waits = [];
    private readonly string _stream;

    public MetricsProbe(string stream)
    {
        _stream = stream;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == KinesisProducer.MeterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    public long this[string name] => _totals.GetValueOrDefault(name);

    /// <summary>Reads the observable instruments (the buffered gauge) now; their last value is kept under their name.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    public Task WaitForAsync(string name, long total)
    {
        lock (_lock)
        {
            if (this[name] >= total) return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waits.Add((name, total, done));
            return done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument is ObservableGauge<long>)
        {
            _totals[instrument.Name] = value;
            return;
        }
        foreach (var tag in tags)
        {
            if (tag.Key != "stream" || (string?)tag.Value != _stream) continue;
            lock (_lock)
            {
                var total = _totals.AddOrUpdate(instrument.Name, value, (_, v) => v + value);
                foreach (var wait in _waits.Where(w => w.Name == instrument.Name && total >= w.Total).ToList())
                {
                    wait.Done.TrySetResult();
                    _waits.Remove(wait);
                }
            }
        }
    }

    public void Dispose() => _listener.Dispose();
}
