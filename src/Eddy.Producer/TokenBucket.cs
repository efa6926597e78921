namespace Eddy.Producer;

/// <summary>A token bucket that holds at most one second of its rate, refilled by the clock (timestamps of a
/// <see cref="TimeProvider"/>). A cost above the capacity is allowed once the bucket is full, so that nothing waits
/// forever.</summary>
/// <remarks>Not thread-safe: the producer uses it under its lock.</remarks>
internal sealed class TokenBucket(double perSecond, long now, long frequency)
{
    private readonly double _capacity = perSecond;
    private double _tokens = perSecond;
    private long _last = now;

    /// <summary>Takes <paramref name="cost"/> tokens if the bucket has them.</summary>
    public bool CanTake(double cost, long now)
    {
        Refill(now);
        return _tokens >= Math.Min(cost, _capacity);
    }

    public void Take(double cost) => _tokens -= cost;

    /// <summary>How long until <paramref name="cost"/> tokens are there.</summary>
    public TimeSpan Until(double cost)
    {
        var missing = Math.Min(cost, _capacity) - _tokens;
        return missing <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(missing / _capacity) + TimeSpan.FromTicks(1);
    }

    private void Refill(long now)
    {
        if (now <= _last) return;
        _tokens = Math.Min(_capacity, _tokens + (now - _last) * _capacity / frequency);
        _last = now;
    }
}
