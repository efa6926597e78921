namespace Eddy.Client.Retries;

/// <summary>
/// The standard mode's retry quota, one per client: a bucket of <see cref="InitialCapacity"/> tokens; a retry takes
/// <see cref="RetryCost"/> (<see cref="TimeoutRetryCost"/> after a timeout) and is not made when the bucket cannot pay;
/// a success gives back what its last retry took, or <see cref="NoRetryIncrement"/> when it needed none. Thread-safe.
/// </summary>
public sealed class RetryQuota
{
    public const int InitialCapacity = 500;
    public const int RetryCost = 5;
    public const int TimeoutRetryCost = 10;
    public const int NoRetryIncrement = 1;

    private int _available = InitialCapacity;

    /// <summary>Tokens left.</summary>
    public int Available => Volatile.Read(ref _available);

    /// <summary>Takes <paramref name="amount"/> tokens if there are that many.</summary>
    public bool TryAcquire(int amount)
    {
        while (true)
        {
            var current = Volatile.Read(ref _available);
            if (current < amount) return false;
            if (Interlocked.CompareExchange(ref _available, current - amount, current) == current) return true;
        }
    }

    /// <summary>Gives <paramref name="amount"/> tokens back, up to the initial capacity.</summary>
    public void Release(int amount)
    {
        while (true)
        {
            var current = Volatile.Read(ref _available);
            var next = Math.Min(InitialCapacity, current + amount);
            if (next == current || Interlocked.CompareExchange(ref _available, next, current) == current) return;
        }
    }
}
