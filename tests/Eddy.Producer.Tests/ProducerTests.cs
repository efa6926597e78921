using System.Text;
using Eddy.Client.Kinesis;
using Eddy.Functions.Firehose;
using Microsoft.Extensions.Time.Testing;

namespace Eddy.Producer.Tests;

/// <summary>The producer against <see cref="FakeKinesis"/> on a <see cref="FakeTimeProvider"/>: buffering time, aggregation
/// per shard, collection, rate limits, retries, expiry, back-pressure, a stream that disappears, resharding, metrics.</summary>
public sealed class ProducerTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly string _stream = "s-" + Guid.NewGuid().ToString("N")[..8];
    private readonly MetricsProbe _metrics;
    private KinesisProducer? _producer;

    public ProducerTests() => _metrics = new MetricsProbe(_stream);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _metrics.Dispose();
        if (_producer is not null)
        {
            // whatever a test left buffered ends: time runs out for it
            var dispose = _producer.DisposeAsync().AsTask();
            for (var i = 0; i < 100 && !dispose.IsCompleted; i++)
            {
                _time.Advance(TimeSpan.FromSeconds(1));
                await Task.WhenAny(dispose, Task.Delay(10));
            }
            await dispose.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    private async Task<KinesisProducer> StartAsync(FakeKinesis kinesis, Func<ProducerOptions, ProducerOptions>? configure = null)
    {
        var options = new ProducerOptions { TimeProvider = _time };
        _producer = new KinesisProducer(kinesis, configure?.Invoke(options) ?? options);
        await _producer.LoadShardMapAsync(_stream);
        return _producer;
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Reads calls until they carried <paramref name="records"/> entries; returns how many they carried.</summary>
    private static async Task<int> ReceiveAsync(FakeKinesis kinesis, int records)
    {
        var received = 0;
        while (received < records)
        {
            received += (await kinesis.NextCallAsync()).Records.Count;
        }
        return received;
    }

    [Fact]
    public async Task Records_of_one_shard_are_aggregated_and_sent_once_RecordMaxBufferedTime_has_passed()
    {
        var kinesis = new FakeKinesis(shards: 2);
        var producer = await StartAsync(kinesis);
        var keys = Enumerable.Range(0, 20).Select(i => "key-" + i).ToList();
        var tasks = keys.Select(k => producer.AddUserRecordAsync(_stream, k, Bytes("data of " + k))).ToList();

        _time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(kinesis.Calls.Reader.TryPeek(out _));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var call = await kinesis.NextCallAsync();
        var results = await Task.WhenAll(tasks);

        Assert.Equal(2, call.Records.Count); // one aggregate per shard
        Assert.All(call.Records, e => Assert.Equal("a", e.PartitionKey));
        for (var i = 0; i < keys.Count; i++)
        {
            var predicted = kinesis.ShardOf(HashKeys.Of(keys[i]));
            Assert.Equal(predicted, results[i].ShardId);
            // the aggregate stored under that sequence number holds the record at its sub-sequence number
            var entry = call.Records.Single(e => kinesis.ShardOf(FakeKinesis.HashOf(e)) == predicted);
            var inside = KplDeaggregator.TryDeaggregate(entry.Data)!;
            Assert.Equal(keys[i], inside[(int)results[i].SubSequenceNumber].PartitionKey);
            Assert.Equal("data of " + keys[i], Encoding.UTF8.GetString(inside[(int)results[i].SubSequenceNumber].Data.Span));
            Assert.Equal(HashKeys.Format(HashKeys.Of(inside[0].PartitionKey)), entry.ExplicitHashKey);
        }
        Assert.Equal(2, results.Select(r => r.SequenceNumber).Distinct().Count());
        Assert.Equal(20, _metrics["eddy.producer.user_records_put"]);
        Assert.Equal(2, _metrics["eddy.producer.kinesis_records_put"]);
        Assert.Equal(0, producer.BufferedRecords);
    }

    [Fact]
    public async Task A_lone_record_is_sent_raw_with_its_own_partition_key()
    {
        var kinesis = new FakeKinesis(shards: 1);
        var producer = await StartAsync(kinesis);
        var task = producer.AddUserRecordAsync(_stream, "only", Bytes("x"), explicitHashKey: "42");
        _time.Advance(TimeSpan.FromMilliseconds(100));
        var call = await kinesis.NextCallAsync();
        var result = await task;

        var entry = Assert.Single(call.Records);
        Assert.Equal("only", entry.PartitionKey);
        Assert.Equal("42", entry.ExplicitHashKey);
        Assert.Equal("x", Encoding.UTF8.GetString(entry.Data));
        Assert.Equal(0, result.SubSequenceNumber);
    }

    [Fact]
    public async Task Calls_hold_at_most_500_entries_and_FlushAsync_sends_without_waiting()
    {
        var kinesis = new FakeKinesis(shards: 1);
        var producer = await StartAsync(kinesis, o => o with { AggregationEnabled = false, RateLimit = 10_000 });
        var tasks = Enumerable.Range(0, 600).Select(i => producer.AddUserRecordAsync(_stream, "k" + i, new byte[100])).ToList();

        await producer.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await Task.WhenAll(tasks);
        Assert.Equal([100, 500], kinesis.All.Select(c => c.Records.Count).Order()); // sent concurrently
        Assert.All(kinesis.All.SelectMany(c => c.Records), e => Assert.StartsWith("k", e.PartitionKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_shard_token_bucket_holds_a_shard_to_RateLimit_percent_of_1000_records_a_second()
    {
        var kinesis = new FakeKinesis(shards: 1);
        // no buffering time: every record is due at once, so only the bucket holds records back, and no time passes until
        // the bucket's first second of tokens is spent
        var producer = await StartAsync(kinesis, o => o with { AggregationEnabled = false, RateLimit = 100, RecordMaxBufferedTime = TimeSpan.Zero });
        var tasks = Enumerable.Range(0, 1500).Select(i => producer.AddUserRecordAsync(_stream, "k" + i, new byte[100])).ToList();

        Assert.Equal(1000, await ReceiveAsync(kinesis, 1000));
        await _metrics.WaitForAsync("eddy.producer.user_records_put", 1000);
        Assert.Equal(500, producer.BufferedRecords);

        _time.Advance(TimeSpan.FromMilliseconds(250)); // 250 more tokens
        Assert.Equal(250, await ReceiveAsync(kinesis, 250));
        await _metrics.WaitForAsync("eddy.producer.user_records_put", 1250);
        Assert.Equal(250, producer.BufferedRecords);
        _time.Advance(TimeSpan.FromMilliseconds(250));
        Assert.Equal(250, await ReceiveAsync(kinesis, 250));
        await Task.WhenAll(tasks);
    }

    [Fact]
    public async Task Only_the_failed_entries_are_retried_after_the_backoff()
    {
        var kinesis = new FakeKinesis(shards: 4);
        kinesis.Answer = (n, request) => n == 1
            ? new PutRecordsResponse { FailedRecordCount = 1, Records = [.. request.Records.Select((e, i) => i == 1 ? FakeKinesis.Throttled() : kinesis.Ok(e))] }
            : null;
        var producer = await StartAsync(kinesis, o => o with { AggregationEnabled = false });
        var tasks = new[] { "a", "b", "c" }.Select(k => producer.AddUserRecordAsync(_stream, k, Bytes(k))).ToList();

        _time.Advance(TimeSpan.FromMilliseconds(100));
        var first = await kinesis.NextCallAsync();
        await _metrics.WaitForAsync("eddy.producer.retries", 1);
        Assert.Equal(3, first.Records.Count);
        _time.Advance(TimeSpan.FromMilliseconds(100)); // RetryBaseDelay
        var second = await kinesis.NextCallAsync();
        await Task.WhenAll(tasks);

        Assert.Equal(first.Records[1].PartitionKey, Assert.Single(second.Records).PartitionKey);
        Assert.Equal(3, _metrics["eddy.producer.user_records_put"]);
        Assert.Equal(0, _metrics["eddy.producer.errors"]);
    }

    [Fact]
    public async Task A_record_not_stored_within_RecordTtl_fails_as_Expired_with_its_last_error()
    {
        var kinesis = new FakeKinesis(shards: 1);
        kinesis.Answer = (_, request) => new PutRecordsResponse { FailedRecordCount = request.Records.Count, Records = [.. request.Records.Select(_ => FakeKinesis.Throttled())] };
        var producer = await StartAsync(kinesis, o => o with { RecordTtl = TimeSpan.FromSeconds(1) });
        var task = producer.AddUserRecordAsync(_stream, "k", Bytes("v"));

        _time.Advance(TimeSpan.FromMilliseconds(100));
        await kinesis.NextCallAsync();
        _time.Advance(TimeSpan.FromSeconds(1)); // past the TTL, whether the retry was scheduled yet or not
        var error = await Assert.ThrowsAsync<UserRecordFailedException>(() => task.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(ProducerErrors.Expired, error.ErrorCode);
        Assert.Contains("ProvisionedThroughputExceededException", error.ErrorMessage, StringComparison.Ordinal);
        Assert.InRange(error.Attempts, 1, 2);
        Assert.Equal(1, _metrics["eddy.producer.errors"]);
    }

    [Fact]
    public async Task FailIfThrottled_fails_a_throttled_record_at_once()
    {
        var kinesis = new FakeKinesis(shards: 1);
        kinesis.Answer = (_, request) => new PutRecordsResponse { FailedRecordCount = 1, Records = [FakeKinesis.Throttled()] };
        var producer = await StartAsync(kinesis, o => o with { FailIfThrottled = true });
        var task = producer.AddUserRecordAsync(_stream, "k", Bytes("v"));
        _time.Advance(TimeSpan.FromMilliseconds(100));

        var error = await Assert.ThrowsAsync<UserRecordFailedException>(() => task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("ProvisionedThroughputExceededException", error.ErrorCode);
        Assert.Equal(1, error.Attempts);
    }

    [Fact]
    public async Task A_full_buffer_makes_AddUserRecordAsync_wait_until_records_complete()
    {
        var kinesis = new FakeKinesis(shards: 1);
        var producer = await StartAsync(kinesis, o => o with { MaxBufferedRecords = 2 });
        var first = producer.AddUserRecordAsync(_stream, "k1", Bytes("1"));
        var second = producer.AddUserRecordAsync(_stream, "k2", Bytes("2"));
        var third = producer.AddUserRecordAsync(_stream, "k3", Bytes("3"));
        using var cancelled = new CancellationTokenSource();
        var fourth = producer.AddUserRecordAsync(_stream, "k4", Bytes("4"), cancellationToken: cancelled.Token);
        Assert.Equal(2, producer.BufferedRecords);
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fourth);

        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Single((await kinesis.NextCallAsync()).Records); // k1 and k2 in one aggregate
        await Task.WhenAll(first, second);
        await _metrics.WaitForAsync("eddy.producer.user_records_put", 2);
        Assert.Equal(1, producer.BufferedRecords); // the third was let in as the first two completed
        _time.Advance(TimeSpan.FromMilliseconds(100));
        var call = await kinesis.NextCallAsync();
        Assert.Equal("k3", Assert.Single(call.Records).PartitionKey);
        await third;
    }

    [Fact]
    public async Task A_stream_that_disappears_fails_its_pending_records_with_the_error()
    {
        var kinesis = new FakeKinesis(shards: 2);
        kinesis.Answer = (_, _) => throw FakeKinesis.NotFound(_stream);
        var producer = await StartAsync(kinesis);
        var tasks = Enumerable.Range(0, 50).Select(i => producer.AddUserRecordAsync(_stream, "k" + i, Bytes("v"))).ToList();
        _time.Advance(TimeSpan.FromMilliseconds(100));

        foreach (var task in tasks)
        {
            var error = await Assert.ThrowsAsync<UserRecordFailedException>(() => task.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal("ResourceNotFoundException", error.ErrorCode);
            Assert.Equal($"Stream {_stream} under account 000000000000 not found.", error.ErrorMessage);
        }

        // the next record asks for the shard map again: the stream is still gone
        kinesis.ListShardsError = FakeKinesis.NotFound(_stream);
        var late = await Assert.ThrowsAsync<UserRecordFailedException>(() => producer.AddUserRecordAsync(_stream, "k", Bytes("v")).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("ResourceNotFoundException", late.ErrorCode);
        Assert.Equal(0, producer.BufferedRecords);
        Assert.Equal(51, _metrics["eddy.producer.errors"]);
    }

    [Fact]
    public async Task An_aggregate_that_lands_on_a_shard_the_map_did_not_know_refreshes_the_map_and_is_resent_per_new_shard()
    {
        var kinesis = new FakeKinesis(shards: 1);
        var producer = await StartAsync(kinesis);
        // the stream is split behind the producer's back
        kinesis.SetShards(FakeKinesis.Even(2, firstIndex: 1));
        var keys = Enumerable.Range(0, 40).Select(i => "key-" + i).ToList();
        var tasks = keys.Select(k => producer.AddUserRecordAsync(_stream, k, Bytes(k))).ToList();

        _time.Advance(TimeSpan.FromMilliseconds(100));
        var first = await kinesis.NextCallAsync();
        Assert.Single(first.Records);
        await _metrics.WaitForAsync("eddy.producer.retries", 1);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(2, (await kinesis.NextCallAsync()).Records.Count); // one aggregate per new shard
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, kinesis.ListShardsCalls);
        for (var i = 0; i < keys.Count; i++)
        {
            Assert.Equal(kinesis.ShardOf(HashKeys.Of(keys[i])), results[i].ShardId);
        }
        // a consumer drops an aggregate holding a key outside its shard (the KCL's filter): every record of it goes again
        Assert.Equal(keys.Count, _metrics["eddy.producer.retries"]);
    }

    [Fact]
    public async Task Bad_input_is_refused_at_once()
    {
        var producer = await StartAsync(new FakeKinesis(shards: 1));
        await Assert.ThrowsAsync<ArgumentException>(() => producer.AddUserRecordAsync(_stream, "", Bytes("v")));
        await Assert.ThrowsAsync<ArgumentException>(() => producer.AddUserRecordAsync(_stream, new string('k', 257), Bytes("v")));
        await Assert.ThrowsAsync<ArgumentException>(() => producer.AddUserRecordAsync(_stream, "k", Bytes("v"), "-1"));
        await Assert.ThrowsAsync<ArgumentException>(() => producer.AddUserRecordAsync(_stream, "k", Bytes("v"), "340282366920938463463374607431768211456"));
        await Assert.ThrowsAsync<ArgumentException>(() => producer.AddUserRecordAsync(_stream, "k", new byte[1024 * 1024]));
        await Assert.ThrowsAsync<ArgumentException>(() => producer.AddUserRecordAsync("", "k", Bytes("v")));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KinesisProducer(new FakeKinesis(1), new ProducerOptions { CollectionMaxCount = 501 }));
    }

    [Fact]
    public async Task DisposeAsync_flushes_what_is_buffered_and_then_refuses_records()
    {
        var kinesis = new FakeKinesis(shards: 3);
        var producer = await StartAsync(kinesis);
        var tasks = Enumerable.Range(0, 100).Select(i => producer.AddUserRecordAsync(_stream, "k" + i, Bytes("v"))).ToList();

        await producer.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)); // no time passes
        Assert.All(tasks, t => Assert.True(t.IsCompletedSuccessfully));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => producer.AddUserRecordAsync(_stream, "k", Bytes("v")));
    }
}
