namespace Eddy.Load;

/// <summary>Latency samples (Stopwatch ticks) summarised by nearest-rank percentiles over a sorted array.</summary>
public sealed class LatencySummary
{
    private readonly long[] _sorted;

    public LatencySummary(IEnumerable<long> ticks)
    {
        _sorted = [.. ticks];
        Array.Sort(_sorted);
    }

    public int Count => _sorted.Length;

    public double MinMs => Count == 0 ? double.NaN : Clock.ToMs(_sorted[0]);

    public double MaxMs => Count == 0 ? double.NaN : Clock.ToMs(_sorted[^1]);

    public double MeanMs => Count == 0 ? double.NaN : Clock.ToMs((long)_sorted.Average());

    /// <summary>Nearest-rank percentile, <paramref name="p"/> in [0, 100].</summary>
    public double PercentileMs(double p)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        int rank = (int)Math.Ceiling(p / 100.0 * Count);
        return Clock.ToMs(_sorted[Math.Clamp(rank - 1, 0, Count - 1)]);
    }

    public double P50 => PercentileMs(50);

    public double P99 => PercentileMs(99);

    public double P999 => PercentileMs(99.9);
}

/// <summary>A growable array of samples kept by one worker (no locking).</summary>
public sealed class SampleList
{
    private long[] _items = new long[1024];

    public int Count { get; private set; }

    public void Add(long value)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[Count++] = value;
    }

    public IEnumerable<long> Items => _items.Take(Count);
}
