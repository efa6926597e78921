using Eddy.Core.Firehose;

namespace Eddy.Firehose;

/// <summary>
/// One delivery stream's counters (<see cref="DeliveryStreamMetrics"/>). Thread-safe: puts and the delivery loop add
/// with interlocked operations; every change wakes <see cref="WaitUntilAsync"/> callers (tests and tools waiting for a
/// delivery without polling).
/// </summary>
internal sealed class DeliveryCounters(string name)
{
    private long _incomingRecords;
    private long _incomingBytes;
    private long _incomingPuts;
    private long _deliveryRecords;
    private long _deliveryBytes;
    private long _deliveryObjects;
    private long _deliveryAttempts;
    private long _deliveryPuts;
    private long _processingFailed;
    private long _oldestUndeliveredMs;
    private readonly long[] _ages = new long[4096];
    private long _flushes;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name { get; } = name;

    public void Incoming(int records, long bytes)
    {
        Interlocked.Add(ref _incomingRecords, records);
        Interlocked.Add(ref _incomingBytes, bytes);
        Interlocked.Increment(ref _incomingPuts);
        Pulse();
    }

    public void Attempt(bool succeeded)
    {
        Interlocked.Increment(ref _deliveryAttempts);
        if (succeeded)
        {
            Interlocked.Increment(ref _deliveryPuts);
        }
        Pulse();
    }

    /// <summary>A flush is durable; <paramref name="oldestAgeMs"/> is its oldest record's age then.</summary>
    public void Delivered(long records, long bytes, int objects, long processingFailed, long oldestAgeMs)
    {
        lock (_ages)
        {
            _ages[_flushes++ % _ages.Length] = oldestAgeMs;
        }
        Interlocked.Add(ref _deliveryRecords, records);
        Interlocked.Add(ref _deliveryBytes, bytes);
        Interlocked.Add(ref _deliveryObjects, objects);
        Interlocked.Add(ref _processingFailed, processingFailed);
        Pulse();
    }

    /// <summary>Arrival (Unix ms) of the oldest record not yet delivered, or 0 when none waits.</summary>
    public void OldestUndelivered(long arrivalMs) => Interlocked.Exchange(ref _oldestUndeliveredMs, arrivalMs);

    public DeliveryStreamMetrics Snapshot(long nowMs)
    {
        var oldest = Interlocked.Read(ref _oldestUndeliveredMs);
        return new DeliveryStreamMetrics(Name, Interlocked.Read(ref _incomingRecords), Interlocked.Read(ref _incomingBytes),
            Interlocked.Read(ref _incomingPuts), Interlocked.Read(ref _deliveryRecords), Interlocked.Read(ref _deliveryBytes),
            Interlocked.Read(ref _deliveryObjects), Interlocked.Read(ref _deliveryAttempts), Interlocked.Read(ref _deliveryPuts),
            oldest == 0 ? 0 : Math.Max(0, (nowMs - oldest) / 1000.0), Interlocked.Read(ref _processingFailed), Percentile(0.50), Percentile(0.99));
    }

    private double Percentile(double p)
    {
        long[] ages;
        lock (_ages)
        {
            ages = [.. _ages.Take((int)Math.Min(_flushes, _ages.Length))];
        }
        if (ages.Length == 0)
        {
            return 0;
        }
        Array.Sort(ages);
        return ages[(int)Math.Min(ages.Length - 1, Math.Ceiling(p * ages.Length) - 1)] / 1000.0;
    }

    /// <summary>Completes once <paramref name="condition"/> holds for a snapshot (checked after every change).</summary>
    public async Task WaitUntilAsync(Func<DeliveryStreamMetrics, bool> condition, TimeProvider time, CancellationToken cancellationToken)
    {
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            if (condition(Snapshot(time.GetUtcNow().ToUnixTimeMilliseconds())))
            {
                return;
            }
            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Pulse() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
