using Eddy.Core.Objects;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Eddy.Firehose;

/// <summary>Settings of the <see cref="FirehoseEngine"/>.</summary>
public sealed record FirehoseOptions
{
    /// <summary>The 12-digit account id in ARNs.</summary>
    public string Account { get; init; } = "000000000000";

    public string Region { get; init; } = "us-east-1";

    /// <summary>How long CREATING and DELETING last (AWS: seconds; 0: the change is done when the call returns).</summary>
    public TimeSpan StateDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Delivery streams allowed per account (AWS's default quota; LimitExceededException beyond).</summary>
    public int DeliveryStreamLimit { get; init; } = 5000;

    /// <summary>First wait before a failed delivery is tried again; doubled per failure up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryInitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Clock of buffering intervals, retries and timestamps (arrival times come from the log store's clock).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>The bucket store deliveries write to (objects, backups, error output); null: the container's
    /// <see cref="IObjectStore"/>, the one Eddy's S3 API serves. The caller owns it.</summary>
    public IObjectStore? DeliveryObjects { get; init; }
}
