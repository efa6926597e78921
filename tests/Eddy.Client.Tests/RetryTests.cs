using System.Net;
using System.Text;
using System.Threading.Channels;
using Eddy.Client.Http;
using Eddy.Client.Kinesis;
using Eddy.Client.Retries;
using Microsoft.Extensions.Time.Testing;

namespace Eddy.Client.Tests;

/// <summary>AWS's standard retry mode in <see cref="EddyHttp"/>, against a stub server with scripted answers. Backoff
/// jitter is 0 (immediate retries) unless a test drives the delay with a fake clock.</summary>
public sealed class RetryTests
{
    private static readonly byte[] s_body = "{}"u8.ToArray();

    private static EddyHttp Client(StubServer stub, int maxAttempts = 3, TimeProvider? clock = null, TimeSpan? timeout = null) => new(new EddyClientOptions
    {
        Endpoint = stub.Endpoint,
        Retry = new RetryOptions { MaxAttempts = maxAttempts, Jitter = () => 0 },
        TimeProvider = clock ?? TimeProvider.System,
        RequestTimeout = timeout ?? TimeSpan.FromSeconds(30),
    });

    [Fact]
    public async Task Throttling_is_retried_and_each_attempt_is_signed_anew()
    {
        await using var stub = await StubServer.StartAsync(StubAnswer.Error(400, "ProvisionedThroughputExceededException"), StubAnswer.Ok("""{"ok":1}"""));
        using var http = Client(stub);
        using var response = await http.SendAsync("Kinesis_20131202.PutRecord", s_body);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(2, response.Attempts);
        Assert.Equal("""{"ok":1}""", Encoding.UTF8.GetString(response.Span));
        Assert.Equal(2, stub.Requests.Count);
        Assert.All(stub.Requests, r => Assert.StartsWith("AWS4-HMAC-SHA256 Credential=", r.Headers["Authorization"], StringComparison.Ordinal));
        Assert.All(stub.Requests, r => Assert.Equal(s_body, r.Body));
    }

    [Theory]
    [InlineData(500, "InternalFailure")]
    [InlineData(503, "ServiceUnavailable")]
    [InlineData(502, "BadGateway")]
    [InlineData(400, "LimitExceededException")]
    [InlineData(400, "ThrottlingException")]
    [InlineData(400, "RequestTimeoutException")]
    public async Task Transient_and_throttling_errors_are_retried_until_max_attempts(int status, string type)
    {
        await using var stub = await StubServer.StartAsync(StubAnswer.Error(status, type));
        using var http = Client(stub, maxAttempts: 4);
        using var response = await http.SendAsync("Kinesis_20131202.ListStreams", s_body);
        Assert.Equal((HttpStatusCode)status, response.Status);
        Assert.Equal(4, response.Attempts);
        Assert.Equal(4, stub.Requests.Count);
        var error = response.ToException("ListStreams");
        Assert.Equal((type, "m", "req-4"), (error.ErrorType, error.ErrorMessage, error.RequestId));
    }

    [Theory]
    [InlineData(400, "ValidationException")]
    [InlineData(400, "ResourceNotFoundException")]
    [InlineData(400, "ExpiredIteratorException")]
    [InlineData(403, "AccessDeniedException")]
    [InlineData(404, "NotFound")]
    public async Task Other_errors_are_answered_at_once(int status, string type)
    {
        await using var stub = await StubServer.StartAsync(StubAnswer.Error(status, type), StubAnswer.Ok());
        using var http = Client(stub);
        using var response = await http.SendAsync("Kinesis_20131202.ListStreams", s_body);
        Assert.Equal((HttpStatusCode)status, response.Status);
        Assert.Equal(1, response.Attempts);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task Max_attempts_one_never_retries()
    {
        await using var stub = await StubServer.StartAsync(StubAnswer.Error(500, "InternalFailure"), StubAnswer.Ok());
        using var http = Client(stub, maxAttempts: 1);
        using var response = await http.SendAsync("Kinesis_20131202.ListStreams", s_body);
        Assert.Equal(HttpStatusCode.InternalServerError, response.Status);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task A_request_may_set_its_own_max_attempts()
    {
        await using var stub = await StubServer.StartAsync(StubAnswer.Error(503, "ServiceUnavailable"));
        using var http = Client(stub, maxAttempts: 1);
        using var response = await http.SendAsync(new EddyRequest { Target = "Kinesis_20131202.ListStreams", Body = s_body, MaxAttempts = 5 });
        Assert.Equal(5, stub.Requests.Count);
    }

    [Fact]
    public async Task A_dropped_connection_is_retried()
    {
        await using var stub = await StubServer.StartAsync(StubAnswer.Dropped, StubAnswer.Ok());
        using var http = Client(stub);
        using var response = await http.SendAsync("Kinesis_20131202.ListStreams", s_body);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(2, response.Attempts);
    }

    [Fact]
    public async Task Dropped_connections_throw_once_the_attempts_are_used_up()
    {
        await using var stub = await StubServer.StartAsync(StubAnswer.Dropped);
        using var http = Client(stub, maxAttempts: 2);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.SendAsync("Kinesis_20131202.ListStreams", s_body));
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public async Task An_attempt_that_times_out_is_retried_then_reported_as_a_timeout()
    {
        await using var stub = await StubServer.StartAsync(StubAnswer.Silent);
        using var http = Client(stub, maxAttempts: 2, timeout: TimeSpan.FromMilliseconds(200));
        var e = await Assert.ThrowsAsync<TaskCanceledException>(() => http.SendAsync("Kinesis_20131202.ListStreams", s_body));
        Assert.IsType<TimeoutException>(e.InnerException);
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public async Task Cancellation_is_not_retried()
    {
        await using var stub = await StubServer.StartAsync(StubAnswer.Silent);
        using var http = Client(stub);
        using var cancel = new CancellationTokenSource();
        var call = http.SendAsync("Kinesis_20131202.ListStreams", s_body, null, cancel.Token);
        while (stub.Requests.Count == 0) await Task.Delay(10);
        await cancel.CancelAsync();
        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.IsNotType<TimeoutException>(e.InnerException);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task A_request_that_must_not_run_twice_is_retried_after_throttling_but_not_after_a_5xx_or_a_drop()
    {
        var once = new EddyRequest { Target = "Eddy.Create", Body = s_body, Idempotent = false };
        await using (var stub = await StubServer.StartAsync(StubAnswer.Error(400, "ThrottlingException"), StubAnswer.Error(500, "InternalFailure")))
        {
            using var http = Client(stub, maxAttempts: 5);
            using var response = await http.SendAsync(once);
            Assert.Equal((HttpStatusCode.InternalServerError, 2), (response.Status, response.Attempts));
            Assert.Equal(2, stub.Requests.Count);
        }

        await using (var stub = await StubServer.StartAsync(StubAnswer.Dropped))
        {
            using var http = Client(stub, maxAttempts: 5);
            await Assert.ThrowsAsync<HttpRequestException>(() => http.SendAsync(once));
            Assert.Single(stub.Requests);
        }
    }

    [Fact]
    public async Task The_typed_client_throws_the_last_error_typed()
    {
        await using var stub = await StubServer.StartAsync(StubAnswer.Error(500, "InternalFailure", "boom"));
        using var client = new KinesisClient(Client(stub, maxAttempts: 2), ownsHttp: true);
        var e = await Assert.ThrowsAsync<EddyServiceException>(() => client.ListStreamsAsync(new ListStreamsRequest()));
        Assert.Equal(("InternalFailure", "boom", HttpStatusCode.InternalServerError, "ListStreams"), (e.ErrorType, e.ErrorMessage, e.Status, e.Operation));
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public async Task The_backoff_is_waited_on_the_clock()
    {
        await using var stub = await StubServer.StartAsync(StubAnswer.Error(503, "ServiceUnavailable"), StubAnswer.Ok());
        var clock = new SignallingTimeProvider();
        using var http = new EddyHttp(new EddyClientOptions
        {
            Endpoint = stub.Endpoint,
            TimeProvider = clock,
            Retry = new RetryOptions { Jitter = () => 0.5 },
        });
        var call = http.SendAsync("Kinesis_20131202.ListStreams", s_body);

        var delay = await clock.NextTimerAsync(); // the backoff: 0.5 × min(1 s × 2^0, 20 s)
        Assert.Equal(TimeSpan.FromMilliseconds(500), delay);
        clock.Advance(TimeSpan.FromMilliseconds(499));
        Assert.Single(stub.Requests); // the timer has not fired, so no second attempt could be sent
        clock.Advance(TimeSpan.FromMilliseconds(1));
        using var response = await call;
        Assert.Equal((HttpStatusCode.OK, 2), (response.Status, response.Attempts));
    }

    [Fact]
    public void The_backoff_is_full_jitter_exponential_capped_at_twenty_seconds()
    {
        var top = new StandardRetry(new RetryOptions { Jitter = () => 1 });
        Assert.Equal([1, 2, 4, 8, 16, 20, 20], Enumerable.Range(1, 7).Select(a => top.Backoff(a).TotalSeconds));
        var half = new StandardRetry(new RetryOptions { Jitter = () => 0.5, BaseDelay = TimeSpan.FromMilliseconds(100) });
        Assert.Equal([0.05, 0.1, 0.2], Enumerable.Range(1, 3).Select(a => half.Backoff(a).TotalSeconds));
        Assert.Equal(TimeSpan.Zero, new StandardRetry(new RetryOptions { Jitter = () => 0 }).Backoff(3));
    }

    [Fact]
    public void The_retry_quota_stops_retries_when_spent_and_successes_refill_it()
    {
        var retry = new StandardRetry(new RetryOptions { MaxAttempts = 3, Jitter = () => 0 });
        var acquired = 0;
        var granted = 0;
        while (retry.NextDelay(1, 3, FailureKind.Transient, ref acquired) is not null) granted++;
        Assert.Equal(RetryQuota.InitialCapacity / RetryQuota.RetryCost, granted);
        Assert.Null(retry.NextDelay(1, 3, FailureKind.Throttling, ref acquired));
        retry.OnSuccess(acquired);
        Assert.Equal(RetryQuota.RetryCost, retry.Quota.Available);
        retry.OnSuccess(0);
        Assert.Equal(RetryQuota.RetryCost + RetryQuota.NoRetryIncrement, retry.Quota.Available);
        Assert.True(retry.Quota.TryAcquire(RetryQuota.TimeoutRetryCost) is false);
        Assert.Null(retry.NextDelay(1, 3, FailureKind.Timeout, ref acquired));
    }

    [Theory]
    [InlineData(200, null, FailureKind.None)]
    [InlineData(400, "ProvisionedThroughputExceededException", FailureKind.Throttling)]
    [InlineData(400, "LimitExceededException", FailureKind.Throttling)]
    [InlineData(400, "ValidationException", FailureKind.None)]
    [InlineData(400, "RequestTimeout", FailureKind.Transient)]
    [InlineData(500, "InternalFailure", FailureKind.Transient)]
    [InlineData(504, null, FailureKind.Transient)]
    [InlineData(501, null, FailureKind.None)]
    public void Answers_are_classified_as_botocore_classifies_them(int status, string? type, FailureKind expected) =>
        Assert.Equal(expected, StandardRetry.Classify((HttpStatusCode)status, type));

    /// <summary>A fake clock that reports each timer created on it, so a test advances time only once the client waits.</summary>
    private sealed class SignallingTimeProvider : FakeTimeProvider
    {
        private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            _timers.Writer.TryWrite(dueTime);
            return timer;
        }

        public async Task<TimeSpan> NextTimerAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            return await _timers.Reader.ReadAsync(timeout.Token);
        }
    }
}
