using Eddy.Core;
using Eddy.Core.Firehose;
using Eddy.Core.Glue;
using Eddy.Core.Objects;
using Microsoft.Extensions.Logging;

namespace Eddy.Firehose.Delivery;

/// <summary>
/// One flush as a <see cref="IDestinationWriter"/> sees it: the delivery stream's names, the destination as configured
/// when the flush started, the processed records, a stable identity, and the services a writer needs (the bucket
/// store, an HTTP client, the clock, retry windows).
/// </summary>
/// <remarks>Made by the delivery loop per flush; not shared between threads.</remarks>
internal sealed partial class Flush
{
    private readonly DeliveryServices _services;
    private readonly DeliveryCounters _counters;
    private readonly Func<bool> _draining;

    public Flush(DeliveryServices services, DeliveryCounters counters, Func<bool> draining, string deliveryStreamName, string deliveryStreamArn,
        long versionId, Destination destination, string identity, DateTimeOffset oldestArrival, IReadOnlyList<ProcessedRecord> records)
    {
        _services = services;
        _counters = counters;
        _draining = draining;
        DeliveryStreamName = deliveryStreamName;
        DeliveryStreamArn = deliveryStreamArn;
        VersionId = versionId;
        Destination = destination;
        Identity = identity;
        OldestArrival = oldestArrival;
        Records = records;
    }

    public string DeliveryStreamName { get; }

    public string DeliveryStreamArn { get; }

    /// <summary>The delivery stream's <c>VersionId</c> (object keys carry it).</summary>
    public long VersionId { get; }

    public Destination Destination { get; }

    /// <summary>The flush's name, the same on a redo after a crash: the key of its S3 object under the destination's S3
    /// settings (<see cref="Destination.S3"/>). Derive request ids and document ids from it.</summary>
    public string Identity { get; }

    /// <summary>Arrival time of the flush's oldest record (UTC): object keys, index rotation.</summary>
    public DateTimeOffset OldestArrival { get; }

    /// <summary>The records to deliver, in buffer order, after the processing step.</summary>
    public IReadOnlyList<ProcessedRecord> Records { get; }

    public IObjectStore Objects => _services.Objects;

    /// <summary>A pooled HTTP client for HTTP-like destinations (no timeout of its own: writers bound each attempt).</summary>
    public HttpClient Http => _services.Http;

    public TimeProvider Time => _services.Options.Time;

    /// <summary>The Glue Data Catalog (record format conversion's schema), if the server has one.</summary>
    public IGlueDataCatalog? Glue => _services.Glue;

    public ILogger Logger => _services.Options.Logger;

    /// <summary>Now, in Unix milliseconds (error records' <c>attemptEndingTimestamp</c>).</summary>
    public long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The records' bytes concatenated in order, nothing between them (an S3 object's body, a Splunk raw body).</summary>
    public byte[] Concatenated() => Concatenate(Records.Select(r => r.Data));

    /// <summary>Byte runs concatenated in order, nothing between them.</summary>
    public static byte[] Concatenate(IEnumerable<ReadOnlyMemory<byte>> parts)
    {
        var list = parts as IReadOnlyList<ReadOnlyMemory<byte>> ?? [.. parts];
        var output = new byte[list.Sum(p => (long)p.Length)];
        var at = 0;
        foreach (var p in list)
        {
            p.Span.CopyTo(output.AsSpan(at));
            at += p.Length;
        }
        return output;
    }

    /// <summary>A retry window for one delivery: <paramref name="duration"/> null retries until success (S3), otherwise the
    /// destination's <c>RetryOptions.DurationInSeconds</c>, counted from the first failure (0: no retry).</summary>
    public RetryWindow Retry(TimeSpan? duration) => new(this, duration);

    /// <summary>Puts an object, retrying until it succeeds (S3's rule: a bucket that is missing or down delays delivery).</summary>
    public Task PutObjectAsync(string bucket, string key, byte[] content, CancellationToken cancellationToken) =>
        TryPutObjectAsync(bucket, key, content, null, cancellationToken);

    /// <summary>Puts an object, retrying within <paramref name="window"/> (null: until it succeeds); the last attempt's
    /// error when the window closed first, null once the object is stored.</summary>
    public async Task<Exception?> TryPutObjectAsync(string bucket, string key, byte[] content, TimeSpan? window, CancellationToken cancellationToken)
    {
        var retry = Retry(window);
        while (true)
        {
            try
            {
                using var body = new MemoryStream(content, writable: false);
                await Objects.PutObjectAsync(bucket, key, body, ObjectWrite.Default, cancellationToken).ConfigureAwait(false);
                retry.Succeeded();
                return null;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (!await retry.FailedAsync($"putting s3://{bucket}/{key}", e, cancellationToken).ConfigureAwait(false))
                {
                    return e;
                }
            }
        }
    }

    /// <summary>
    /// The retry discipline of one delivery: exponential backoff from the options' initial delay, doubled per failure up
    /// to their maximum; a window that closes <c>duration</c> after the first failure.
    /// </summary>
    public sealed class RetryWindow
    {
        private readonly Flush _flush;
        private readonly TimeSpan? _duration;
        private DateTimeOffset? _firstFailure;
        private TimeSpan _delay;

        internal RetryWindow(Flush flush, TimeSpan? duration)
        {
            _flush = flush;
            _duration = duration;
            _delay = flush._services.Options.RetryInitialDelay;
        }

        /// <summary>Attempts made so far (error records' <c>attemptsMade</c>).</summary>
        public int AttemptsMade { get; private set; }

        /// <summary>Counts a successful attempt.</summary>
        public void Succeeded()
        {
            AttemptsMade++;
            _flush._counters.Attempt(succeeded: true);
        }

        /// <summary>Leaves <paramref name="waited"/> (a response or acknowledgement wait) out of the retry window, which AWS
        /// counts without those waits for HTTP endpoint and Splunk destinations.</summary>
        public void Exclude(TimeSpan waited)
        {
            if (_firstFailure is { } first && waited > TimeSpan.Zero)
            {
                _firstFailure = first + waited;
            }
        }

        /// <summary>
        /// Counts and logs a failed attempt, then: throws <see cref="FlushAbandonedException"/> when the loop drains for
        /// shutdown; returns false when the retry window has closed (give up: error output); otherwise waits the backoff
        /// and returns true (try again). Throws <see cref="OperationCanceledException"/> when the loop stops meanwhile.
        /// </summary>
        public async Task<bool> FailedAsync(string what, Exception error, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(error);
            var message = error is ServiceException or IOException or HttpRequestException ? error.Message : null;
            return await FailedAsync(what, message ?? error.Message, message is null ? error : null, cancellationToken).ConfigureAwait(false);
        }

        /// <inheritdoc cref="FailedAsync(string, Exception, CancellationToken)"/>
        public Task<bool> FailedAsync(string what, string reason, CancellationToken cancellationToken) => FailedAsync(what, reason, null, cancellationToken);

        private async Task<bool> FailedAsync(string what, string reason, Exception? unexpected, CancellationToken cancellationToken)
        {
            AttemptsMade++;
            _flush._counters.Attempt(succeeded: false);
            var now = _flush.Time.GetUtcNow();
            _firstFailure ??= now;
            var open = _duration is not { } duration || (duration > TimeSpan.Zero && now - _firstFailure.Value < duration);
            if (unexpected is null)
            {
                LogAttemptFailed(_flush.Logger, _flush.DeliveryStreamName, what, reason, open ? _delay : TimeSpan.Zero);
            }
            else
            {
                LogAttemptFailedUnexpectedly(_flush.Logger, _flush.DeliveryStreamName, what, open ? _delay : TimeSpan.Zero, unexpected);
            }
            if (_flush._draining())
            {
                throw new FlushAbandonedException();
            }
            if (!open)
            {
                return false;
            }
            await Task.Delay(_delay, _flush.Time, cancellationToken).ConfigureAwait(false);
            _delay = TimeSpan.FromTicks(Math.Min(_delay.Ticks * 2, _flush._services.Options.RetryMaxDelay.Ticks));
            return _duration is not { } window || _flush.Time.GetUtcNow() - _firstFailure.Value < window;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery stream {Name}: {What} failed ({Reason}); retrying in {Delay}")]
    private static partial void LogAttemptFailed(ILogger logger, string name, string what, string reason, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery stream {Name}: {What} failed; retrying in {Delay}")]
    private static partial void LogAttemptFailedUnexpectedly(ILogger logger, string name, string what, TimeSpan delay, Exception exception);
}

/// <summary>What writers share across delivery streams: the options, the bucket store, one pooled HTTP client.</summary>
/// <param name="Glue">The Glue Data Catalog record format conversion reads its schema from (none: conversion is refused).</param>
internal sealed record DeliveryServices(FirehoseOptions Options, IObjectStore Objects, HttpClient Http, IGlueDataCatalog? Glue = null);
