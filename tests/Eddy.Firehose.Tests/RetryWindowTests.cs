using Eddy.Firehose.Delivery;
using Eddy.Objects;
using Microsoft.Extensions.Time.Testing;

namespace Eddy.Firehose.Tests;

/// <summary>The retry discipline destinations share (<see cref="Flush.RetryWindow"/>): backoff from the initial delay
/// doubling to the maximum, a window counted from the first failure, no retry at 0, one attempt while draining.</summary>
public sealed class RetryWindowTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
    private readonly HttpClient _http = new();
    private bool _draining;

    public void Dispose() => _http.Dispose();

    private Flush NewFlush()
    {
        var options = new FirehoseOptions { Time = _time, RetryInitialDelay = TimeSpan.FromSeconds(1), RetryMaxDelay = TimeSpan.FromSeconds(30) };
        var destination = Destination.FromJson("""{"ExtendedS3":{"BucketARN":"arn:aws:s3:::b","RoleARN":"arn:aws:iam::000000000000:role/r"}}""");
        return new Flush(new DeliveryServices(options, new MemoryObjectStore(_time), _http), new DeliveryCounters("d"), () => _draining,
            "d", "arn:aws:firehose:us-east-1:000000000000:deliverystream/d", 1, destination, "key", _time.GetUtcNow(), []);
    }

    /// <summary>Fails once and lets the fake clock run through the backoff; the window's answer.</summary>
    private async Task<bool> FailAsync(Flush.RetryWindow window)
    {
        var failed = window.FailedAsync("sending", "refused", CancellationToken.None);
        while (!failed.IsCompleted)
        {
            _time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Yield();
        }
        return await failed;
    }

    [Fact]
    public async Task The_window_closes_its_duration_after_the_first_failure()
    {
        var window = NewFlush().Retry(TimeSpan.FromSeconds(10));
        var start = _time.GetUtcNow();
        Assert.True(await FailAsync(window));  // waited 1 s
        Assert.True(await FailAsync(window));  // 2 s more: 3 s in
        Assert.True(await FailAsync(window));  // 4 s more: 7 s in
        Assert.False(await FailAsync(window)); // 8 s more: past 10 s
        Assert.Equal(4, window.AttemptsMade);
        Assert.InRange(_time.GetUtcNow() - start, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(16));
    }

    [Fact]
    public async Task A_zero_duration_gives_up_at_the_first_failure_without_waiting()
    {
        var window = NewFlush().Retry(TimeSpan.Zero);
        var start = _time.GetUtcNow();
        Assert.False(await window.FailedAsync("sending", "refused", CancellationToken.None));
        Assert.Equal(start, _time.GetUtcNow());
    }

    [Fact]
    public async Task Without_a_duration_it_retries_forever_with_the_delay_capped()
    {
        var window = NewFlush().Retry(null);
        for (var i = 0; i < 12; i++)
        {
            Assert.True(await FailAsync(window));
        }
        var before = _time.GetUtcNow();
        Assert.True(await FailAsync(window));
        Assert.InRange(_time.GetUtcNow() - before, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30.5));
    }

    [Fact]
    public async Task Draining_abandons_the_flush_at_the_first_failure()
    {
        _draining = true;
        var window = NewFlush().Retry(null);
        await Assert.ThrowsAsync<FlushAbandonedException>(() => window.FailedAsync("sending", new IOException("down"), CancellationToken.None));
    }
}
