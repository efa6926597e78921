using System.Collections.Frozen;
using System.Net;

namespace Eddy.Client.Retries;

/// <summary>Why an attempt failed, as the retry rules see it.</summary>
public enum FailureKind
{
    /// <summary>Not retryable: a success, or an error the caller must handle (validation, not found, access…).</summary>
    None,

    /// <summary>A throttling error code (e.g. <c>ProvisionedThroughputExceededException</c>, <c>LimitExceededException</c>).</summary>
    Throttling,

    /// <summary>A transient answer: HTTP 500/502/503/504 or a transient error code (<c>RequestTimeout</c>…).</summary>
    Transient,

    /// <summary>No answer: the connection failed, broke off, or the attempt timed out.</summary>
    Transport,

    /// <summary>No answer within the attempt's timeout.</summary>
    Timeout,
}

/// <summary>
/// The decisions of AWS's standard retry mode (botocore <c>retries/standard.py</c>, version 2.0, the SDKs' "standard"):
/// which failures are retried, the backoff before each retry, and the retry quota. One per client (the quota is shared
/// by its calls).
/// </summary>
public sealed class StandardRetry(RetryOptions options)
{
    /// <summary>The error codes every SDK treats as throttling (botocore's list).</summary>
    public static readonly FrozenSet<string> ThrottlingCodes = FrozenSet.ToFrozenSet(
    [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    ], StringComparer.Ordinal);

    /// <summary>Error codes that are transient whatever their HTTP status.</summary>
    public static readonly FrozenSet<string> TransientCodes = FrozenSet.ToFrozenSet(
        ["RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"], StringComparer.Ordinal);

    private readonly RetryQuota _quota = new();

    public RetryOptions Options { get; } = options;

    /// <summary>The client's retry quota.</summary>
    public RetryQuota Quota => _quota;

    /// <summary>How an answer with <paramref name="status"/> and error code <paramref name="errorType"/> counts.</summary>
    public static FailureKind Classify(HttpStatusCode status, string? errorType)
    {
        if ((int)status is >= 200 and < 300) return FailureKind.None;
        if (errorType is not null && ThrottlingCodes.Contains(errorType)) return FailureKind.Throttling;
        if (errorType is not null && TransientCodes.Contains(errorType)) return FailureKind.Transient;
        return (int)status is 500 or 502 or 503 or 504 ? FailureKind.Transient : FailureKind.None;
    }

    /// <summary>The delay before retry number <paramref name="attempt"/> (1: the retry after the first attempt):
    /// <c>jitter × min(base × 2^(attempt−1), max)</c>.</summary>
    public TimeSpan Backoff(int attempt)
    {
        var ceiling = Options.BaseDelay.TotalSeconds * Math.Pow(2, Math.Min(attempt - 1, 62));
        var seconds = Options.Jitter() * Math.Min(ceiling, Options.MaxBackoff.TotalSeconds);
        return TimeSpan.FromSeconds(Math.Max(0, seconds));
    }

    /// <summary>
    /// After failed attempt number <paramref name="attempt"/> of at most <paramref name="maxAttempts"/>: the delay before
    /// the next one, or null when the failure stands (not retryable, attempts used up, or the quota spent). A call that
    /// retried remembers what its retry cost in <paramref name="acquired"/> (for <see cref="OnSuccess"/>).
    /// </summary>
    public TimeSpan? NextDelay(int attempt, int maxAttempts, FailureKind failure, ref int acquired)
    {
        if (failure == FailureKind.None || attempt >= maxAttempts) return null;
        if (Options.UseQuota)
        {
            var cost = failure == FailureKind.Timeout ? RetryQuota.TimeoutRetryCost : RetryQuota.RetryCost;
            if (!_quota.TryAcquire(cost)) return null;
            acquired = cost;
        }
        return Backoff(attempt);
    }

    /// <summary>A call succeeded (2xx): it gives back what its last retry took, or a token when it needed none.</summary>
    public void OnSuccess(int acquired)
    {
        if (Options.UseQuota) _quota.Release(acquired > 0 ? acquired : RetryQuota.NoRetryIncrement);
    }
}
