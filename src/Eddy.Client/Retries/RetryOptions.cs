namespace Eddy.Client.Retries;

/// <summary>
/// AWS's standard retry mode (botocore's <c>standard</c>, the SDKs' "standard"): up to <see cref="MaxAttempts"/> attempts;
/// a throttling error, a transient error (HTTP 500/502/503/504, <c>RequestTimeout</c>…) or a transport failure is
/// retried after <c>rand[0,1) × min(<see cref="BaseDelay"/> × 2^(attempt−1), <see cref="MaxBackoff"/>)</c> (exponential
/// backoff with full jitter), while the client's retry quota lasts. See docs/architecture.md, "Eddy's client".
/// </summary>
public sealed record RetryOptions
{
    /// <summary>The standard mode's default.</summary>
    public const int DefaultMaxAttempts = 3;

    /// <summary>Attempts in all, the first included (1: never retry). The AWS CLI's <c>--max-attempts</c>,
    /// <c>AWS_MAX_ATTEMPTS</c>.</summary>
    public int MaxAttempts { get; init; } = DefaultMaxAttempts;

    /// <summary>The backoff before the first retry is drawn from [0, this); it doubles with each retry (botocore: 1 s).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The cap of the doubling (botocore: 20 s).</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The jitter source, uniform in [0, 1). A function returning 0 makes retries immediate (tests).</summary>
    public Func<double> Jitter { get; init; } = Random.Shared.NextDouble;

    /// <summary>Use the retry quota (a client-wide token bucket of 500: a retry costs 5, one after a timeout 10, a
    /// success gives back 1 or what its retry took), so a failing endpoint is not hammered with retries.</summary>
    public bool UseQuota { get; init; } = true;

    /// <summary>No retries at all.</summary>
    public static RetryOptions None { get; } = new() { MaxAttempts = 1 };
}
