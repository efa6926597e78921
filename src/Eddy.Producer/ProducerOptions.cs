using System.Diagnostics.Metrics;

namespace Eddy.Producer;

/// <summary>How a <see cref="KinesisProducer"/> buffers, aggregates, limits and retries. Defaults are the KPL's
/// (<c>default_config.properties</c>) where the KPL has the knob.</summary>
public sealed record ProducerOptions
{
    /// <summary>Pack user records predicted for the same shard into KPL aggregates (default true).</summary>
    public bool AggregationEnabled { get; init; } = true;

    /// <summary>Most user records in one aggregate.</summary>
    public long AggregationMaxCount { get; init; } = uint.MaxValue;

    /// <summary>Most bytes of one aggregate (magic + protobuf + MD5); a bigger user record is sent on its own.</summary>
    public int AggregationMaxSize { get; init; } = 51200;

    /// <summary>Most entries of one PutRecords call (1–500).</summary>
    public int CollectionMaxCount { get; init; } = 500;

    /// <summary>Most bytes (data + partition keys) of one PutRecords call; a bigger single record is sent alone.</summary>
    public int CollectionMaxSize { get; init; } = 5 * 1024 * 1024;

    /// <summary>Largest user record (data + partition key) accepted; bigger ones are refused at once.</summary>
    public int MaxUserRecordSize { get; init; } = 1024 * 1024;

    /// <summary>Longest a user record waits in the buffers before its aggregate and its PutRecords call are sent.</summary>
    public TimeSpan RecordMaxBufferedTime { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A user record not stored this long after it was added fails with <see cref="ProducerErrors.Expired"/>.</summary>
    public TimeSpan RecordTtl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Per-shard token buckets at this percentage of AWS's shard budget (1000 records/s and 1 MiB/s).</summary>
    public int RateLimit { get; init; } = 150;

    /// <summary>A throttled record (<c>ProvisionedThroughputExceededException</c>) fails at once instead of being retried.</summary>
    public bool FailIfThrottled { get; init; }

    /// <summary>Most user records buffered (added and not yet completed); <see cref="KinesisProducer.AddUserRecordAsync"/>
    /// waits while the buffer is full.</summary>
    public int MaxBufferedRecords { get; init; } = 100_000;

    /// <summary>Most bytes (data + partition keys) of the user records buffered; one record is always admitted into an
    /// empty buffer.</summary>
    public long MaxBufferedBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>PutRecords calls in flight at once (the KPL's MaxConnections).</summary>
    public int MaxConcurrentRequests { get; init; } = 24;

    /// <summary>The wait before the first retry of a failed record; it doubles per attempt up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between two attempts of one record.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Clock of buffering, rate limits, retries and expiry (a FakeTimeProvider in tests).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the <c>Eddy.Producer</c> meter is created (null: a meter of the producer's own).</summary>
    public IMeterFactory? MeterFactory { get; init; }

    internal void Validate()
    {
        Check(AggregationMaxCount >= 1, nameof(AggregationMaxCount), "at least 1");
        Check(AggregationMaxSize is >= 64 and <= 10 * 1024 * 1024, nameof(AggregationMaxSize), "64 to 10485760");
        Check(CollectionMaxCount is >= 1 and <= 500, nameof(CollectionMaxCount), "1 to 500");
        Check(CollectionMaxSize >= 52224, nameof(CollectionMaxSize), "at least 52224");
        Check(MaxUserRecordSize is >= 64 and <= 10 * 1024 * 1024, nameof(MaxUserRecordSize), "64 to 10485760");
        Check(RecordMaxBufferedTime >= TimeSpan.Zero, nameof(RecordMaxBufferedTime), "not negative");
        Check(RecordTtl >= TimeSpan.FromMilliseconds(100), nameof(RecordTtl), "at least 100 ms");
        Check(RateLimit >= 1, nameof(RateLimit), "at least 1");
        Check(MaxBufferedRecords >= 1, nameof(MaxBufferedRecords), "at least 1");
        Check(MaxBufferedBytes >= 1, nameof(MaxBufferedBytes), "at least 1");
        Check(MaxConcurrentRequests >= 1, nameof(MaxConcurrentRequests), "at least 1");
        Check(RetryBaseDelay >= TimeSpan.Zero && MaxRetryDelay >= RetryBaseDelay, nameof(RetryBaseDelay), "not negative and at most MaxRetryDelay");
        ArgumentNullException.ThrowIfNull(TimeProvider);

        static void Check(bool ok, string name, string range)
        {
            if (!ok) throw new ArgumentOutOfRangeException(name, $"ProducerOptions.{name} must be {range}.");
        }
    }
}
