namespace Eddy.Core.Throughput;

/// <summary>
/// A token bucket refilled continuously at <c>rate</c> per second up to <c>capacity</c> (the burst allowance).
/// Thread-safe (a lock per bucket: the critical section is a few arithmetic operations).
/// </summary>
public sealed class TokenBucket
{
    private readonly object _lock = new();
    private readonly double _rate;
    private readonly double _capacity;
    private readonly TimeProvider _time;
    private double _tokens;
    private long _last;

    public TokenBucket(double ratePerSecond, double capacity, TimeProvider time)
    {
        _rate = ratePerSecond;
        _capacity = capacity;
        _time = time;
        _tokens = capacity;
        _last = time.GetTimestamp();
    }

    /// <summary>Takes <paramref name="amount"/> if that many tokens are there; false (and nothing taken) otherwise.</summary>
    public bool TryTake(double amount)
    {
        lock (_lock)
        {
            Refill();
            if (_tokens < amount) return false;
            _tokens -= amount;
            return true;
        }
    }

    /// <summary>True while the bucket is not in debt (tokens &gt; 0).</summary>
    public bool HasTokens
    {
        get
        {
            lock (_lock)
            {
                Refill();
                return _tokens > 0;
            }
        }
    }

    /// <summary>Takes <paramref name="amount"/> even into debt: a 10 MiB read is allowed, then the shard cools down.</summary>
    public void TakeAllowingDebt(double amount)
    {
        lock (_lock)
        {
            Refill();
            _tokens -= amount;
        }
    }

    /// <summary>Gives back tokens taken for something that did not happen.</summary>
    public void Give(double amount)
    {
        lock (_lock)
        {
            _tokens = Math.Min(_capacity, _tokens + amount);
        }
    }

    /// <summary>How long until the bucket is out of debt (zero when it has tokens).</summary>
    public TimeSpan TimeUntilPositive()
    {
        lock (_lock)
        {
            Refill();
            return _tokens > 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((-_tokens + 1) / _rate);
        }
    }

    private void Refill()
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_last, now).TotalSeconds;
        _last = now;
        _tokens = Math.Min(_capacity, _tokens + elapsed * _rate);
    }
}

