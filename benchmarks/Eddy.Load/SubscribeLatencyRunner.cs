using System.Text;
using System.Text.Json;
using Eddy.Protocol.EventStream;

namespace Eddy.Load;

/// <summary>
/// The <c>subscribe-latency</c> phase (enhanced fan-out push): registers a stream consumer, opens one SubscribeToShard per
/// open shard from <c>LATEST</c> and decodes the <c>application/vnd.amazon.eventstream</c> body as it arrives, while one
/// writer puts <c>--count</c> single records at <c>--rate</c> (each carrying its send timestamp) and, with
/// <c>--background-rate</c>, a second writer keeps PutRecords load on the same stream. Latency = when the event carrying
/// a record was received − when its PutRecord was sent. Every acknowledged record of both writers must arrive exactly
/// once. A subscription that ends (they last 5 minutes) is renewed from its last ContinuationSequenceNumber.
/// </summary>
public static class SubscribeLatencyRunner
{
    /// <summary>How long to wait for every subscription's initial-response before writing.</summary>
    public const double SubscribeTimeoutSeconds = 30;

    /// <summary>Background load runs this long before the latency writer starts.</summary>
    public const double BackgroundWarmupSeconds = 1;

    public static async Task<PhaseResult> RunAsync(KinesisClient client, LoadOptions o, string stream, CancellationToken ct)
    {
        var result = new PhaseResult("subscribeLatency", "put→pushed latency");
        uint writerId = (uint)Random.Shared.Next(1, int.MaxValue);
        var latency = new LatencyTracker(writerId, o.Count);
        BackgroundWriter? background = o.BackgroundRate > 0 ? new BackgroundWriter(client, o, stream, writerId ^ 0x5A5A5A5Au) : null;
        var deliveries = new Deliveries(latency, background);

        string streamArn = await StreamAdmin.GetStreamArnAsync(client, stream, ct);
        string consumerName = o.Consumer ?? $"eddy-load-{Guid.NewGuid():N}"[..22];
        (string consumerArn, bool registered) = await StreamAdmin.EnsureConsumerActiveAsync(client, streamArn, consumerName, ct);
        Report.Progress($"consumer {consumerName}: ACTIVE{(registered ? "" : " (already registered)")}");
        try
        {
            List<string> shards = await StreamAdmin.ListShardIdsAsync(client, stream, openOnly: true, ct);

            // Subscriptions get their own connection pool: long-lived HTTP/1.1 connections (or one HTTP/2 connection)
            // that the writers' requests never queue behind.
            using var subscribeClient = new EddyHttp(o.ClientOptions(shards.Count + 2, o.Http2));
            using var subscribersCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            Subscriber[] subscribers = [.. shards.Select(s => new Subscriber(subscribeClient, consumerArn, s, deliveries, result))];
            Task[] subscriberTasks = [.. subscribers.Select(s => Task.Run(() => s.RunAsync(subscribersCts.Token), CancellationToken.None))];
            try
            {
                await WaitSubscribedAsync(subscribers, ct);
            }
            catch
            {
                await subscribersCts.CancelAsync();
                await Task.WhenAll(subscriberTasks);
                throw;
            }

            Report.Progress($"subscribe-latency: {subscribers.Length} subscriptions open ({subscribers[0].HttpVersion}); "
                + (background is null ? "" : $"background load {o.BackgroundRate:#,0} records/s, ")
                + $"{o.Count} records at {o.Rate}/s");

            using var backgroundCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            Task backgroundTask = Task.CompletedTask;
            if (background is not null)
            {
                backgroundTask = Task.Run(() => background.RunAsync(backgroundCts.Token), CancellationToken.None);
                await Task.Delay(TimeSpan.FromSeconds(BackgroundWarmupSeconds), ct);
            }

            (long putErrors, double sendSeconds) = await RatedPutRecordWriter.RunAsync(client, o, stream, latency, result, ct);
            await backgroundCts.CancelAsync();
            await backgroundTask;

            // Drain: until every acknowledged record of both writers arrived, at most 10 s (or --read-timeout if shorter).
            long drainDeadline = Clock.Now + Clock.FromSeconds(Math.Min(10, o.ReadTimeoutSeconds));
            while ((latency.Seen < latency.AckedCount || (background is not null && background.SeenCount < background.AckedCount))
                   && Clock.Now < drainDeadline && subscriberTasks.Any(t => !t.IsCompleted))
            {
                await Task.Delay(10, ct);
            }

            await subscribersCts.CancelAsync();
            await Task.WhenAll(subscriberTasks);

            AddMetrics(result, o, subscribers, latency, background, deliveries, putErrors, sendSeconds);
            return result;
        }
        finally
        {
            if (registered)
            {
                try
                {
                    await StreamAdmin.DeregisterConsumerAsync(client, consumerArn, CancellationToken.None);
                    Report.Progress($"consumer {consumerName}: deregistered");
                }
                catch (Exception e) when (e is EddyServiceException or HttpRequestException or TaskCanceledException)
                {
                    Report.Progress($"consumer {consumerName}: DeregisterStreamConsumer failed: {PutRunner.Describe(e)}");
                }
            }
        }
    }

    private static async Task WaitSubscribedAsync(Subscriber[] subscribers, CancellationToken ct)
    {
        Task all = Task.WhenAll(subscribers.Select(s => s.Subscribed.Task));
        Task done = await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(SubscribeTimeoutSeconds), ct));
        if (done != all || all.IsFaulted)
        {
            ct.ThrowIfCancellationRequested();
            Subscriber failed = subscribers.First(s => !s.Subscribed.Task.IsCompletedSuccessfully);
            throw new InvalidOperationException(
                $"SubscribeToShard {failed.ShardId}: no initial-response within {SubscribeTimeoutSeconds} s: {failed.LastError ?? "(still waiting)"}");
        }
    }

    private static void AddMetrics(
        PhaseResult result, LoadOptions o, Subscriber[] subscribers, LatencyTracker latency, BackgroundWriter? background,
        Deliveries deliveries, long putErrors, double sendSeconds)
    {
        (LatencySummary e2e, LatencySummary put, long lost) = latency.Summaries();
        long Sum(Func<Subscriber, long> f) => subscribers.Sum(f);
        var initial = new LatencySummary(subscribers.SelectMany(s => s.InitialResponseTicks.Items));
        long subscribeErrors = Sum(s => s.Errors);
        long streamFaults = Sum(s => s.Exceptions);
        long invalid = Sum(s => s.InvalidEvents);
        long unordered = Sum(s => s.OutOfOrder);
        result
            .Add("shards", "subscriptions (open shards)", (long)subscribers.Length)
            .Add("httpVersion", "HTTP version", subscribers[0].HttpVersion)
            .Add("subscribeCalls", "SubscribeToShard calls", Sum(s => s.Calls))
            .Add("resubscriptions", "renewed after the stream ended", Sum(s => s.Renewals))
            .Add("initialResponseP50Ms", "call → initial-response p50", initial.P50, "ms")
            .Add("targetRate", "target rate", o.Rate, "records/s")
            .Add("achievedRate", "achieved rate", latency.AckedCount / sendSeconds, "records/s")
            .Add("recordsAcked", "records acknowledged", latency.AckedCount)
            .Add("recordsSeen", "records received", latency.Seen)
            .Add("lost", "acknowledged but never received", lost)
            .Add("duplicates", "received twice", latency.Duplicates)
            .Add("putErrors", "failed PutRecord calls", putErrors)
            .Add("events", "SubscribeToShardEvents", Sum(s => s.Events))
            .Add("heartbeats", "heartbeats (events, no records)", Sum(s => s.Heartbeats))
            .Add("recordsReceivedAll", "records received (all writers)", Sum(s => s.Records))
            .Add("otherRecords", "records of other runs (info)", deliveries.OtherRecords)
            .Add("maxGapMs", "longest silence on a subscription", Clock.ToMs(subscribers.Max(s => s.MaxGapTicks)), "ms")
            .Add("maxMillisBehindLatest", "max MillisBehindLatest", subscribers.Max(s => s.MaxMillisBehind))
            .Add("subscribeErrors", "failed subscriptions / read errors", subscribeErrors)
            .Add("streamExceptions", "exception/error messages", streamFaults)
            .Add("invalidEvents", "invalid events", invalid)
            .Add("sequenceNotIncreasing", "sequence numbers not increasing", unordered);
        if (background is not null)
        {
            (long bgLost, long bgSeen) = background.Verify();
            result
                .Add("backgroundTargetRate", "background target rate", o.BackgroundRate, "records/s")
                .Add("backgroundAchievedRate", "background achieved rate", background.AckedCount / Math.Max(background.Seconds, 0.001), "records/s")
                .Add("backgroundAcked", "background records acknowledged", background.AckedCount)
                .Add("backgroundSeen", "background records received", bgSeen)
                .Add("backgroundLost", "background acked, never received", bgLost)
                .Add("backgroundDuplicates", "background received twice", background.Duplicates)
                .Add("backgroundFailed", "background records failed (info)", background.FailedRecords)
                .Add("backgroundCallErrors", "background failed calls (info)", background.CallErrors)
                .Add("backgroundPutP50Ms", "background PutRecords p50", background.Latency().P50, "ms");
            result.Problems += bgLost + background.Duplicates;
            foreach ((string message, long count) in background.ErrorSamples)
            {
                for (long i = 0; i < count; i++)
                {
                    result.AddErrorSample("background: " + message);
                }
            }
        }

        result
            .Add("e2eP50Ms", "put→pushed p50", e2e.P50, "ms")
            .Add("e2eP99Ms", "put→pushed p99", e2e.P99, "ms")
            .Add("e2eP999Ms", "put→pushed p99.9", e2e.P999, "ms")
            .Add("e2eMaxMs", "put→pushed max", e2e.MaxMs, "ms")
            .Add("putP50Ms", "PutRecord latency p50 (same run)", put.P50, "ms");
        result.Problems += lost + latency.Duplicates + putErrors + subscribeErrors + streamFaults + invalid + unordered;
    }

    /// <summary>Routes each received record to the writer that sent it.</summary>
    private sealed class Deliveries(LatencyTracker latency, BackgroundWriter? background)
    {
        private long _other;

        public long OtherRecords => Interlocked.Read(ref _other);

        public void Saw(ReadOnlySpan<byte> dataBase64, long receivedAt)
        {
            if (!RecordFormat.TryReadHeaderBase64(dataBase64, out uint writerId, out ulong counter, out long sent))
            {
                Interlocked.Increment(ref _other);
            }
            else if (writerId == latency.WriterId)
            {
                latency.Saw(counter, receivedAt - sent);
            }
            else if (background is not null && writerId == background.WriterId)
            {
                background.Saw(counter);
            }
            else
            {
                Interlocked.Increment(ref _other);
            }
        }
    }

    /// <summary>One shard's subscription, renewed whenever the server ends it, until cancelled or the shard ends.</summary>
    private sealed class Subscriber(EddyHttp client, string consumerArn, string shardId, Deliveries deliveries, PhaseResult result)
        : IGetRecordsSink
    {
        private const int MaxConsecutiveFailures = 5;

        private readonly ResponseParser _parser = new();
        private byte[] _lastSequence = new byte[64];
        private int _lastSequenceLength;
        private long _receivedAt;

        public string ShardId => shardId;

        /// <summary>Completed by the first initial-response; failed after <see cref="MaxConsecutiveFailures"/> failed calls before it.</summary>
        public TaskCompletionSource Subscribed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string HttpVersion { get; private set; } = "?";

        public string? Continuation { get; private set; }

        public string? LastError { get; private set; }

        public SampleList InitialResponseTicks { get; } = new();

        public long Calls { get; private set; }

        public long Renewals { get; private set; }

        public long Events { get; private set; }

        public long Heartbeats { get; private set; }

        public long Records { get; private set; }

        public long Errors { get; private set; }

        public long Exceptions { get; private set; }

        public long InvalidEvents { get; private set; }

        public long OutOfOrder { get; private set; }

        public long MaxGapTicks { get; private set; }

        public long MaxMillisBehind { get; private set; }

        public async Task RunAsync(CancellationToken ct)
        {
            int failures = 0;
            bool shardEnded = false;
            while (!ct.IsCancellationRequested && !shardEnded)
            {
                bool subscribed = false;
                try
                {
                    Calls++;
                    long opened = Clock.Now;
                    using HttpResponseMessage response = await client.OpenStreamAsync(
                        new EddyRequest { Target = Ops.SubscribeToShard, Body = StreamAdmin.SubscribeBody(consumerArn, shardId, Continuation) }, ct);
                    HttpVersion = response.Version.ToString();
                    string? contentType = response.Content.Headers.ContentType?.MediaType;
                    if (contentType != EventStreamWriter.ContentType)
                    {
                        throw new ProtocolViolationException($"Content-Type {contentType ?? "(none)"}, expected {EventStreamWriter.ContentType}");
                    }

                    await using Stream body = await response.Content.ReadAsStreamAsync(ct);
                    long last = 0;
                    await foreach (EventMessage message in EventStreamReader.ReadAllAsync(body, ct))
                    {
                        long now = Clock.Now;
                        _receivedAt = now;
                        if (!subscribed)
                        {
                            if (message.MessageType != EventStreamHeaders.MessageTypeEvent || message.EventType != EventStreamHeaders.InitialResponse)
                            {
                                throw new ProtocolViolationException($"first message is not the initial-response event: {Describe(message)}");
                            }

                            subscribed = true;
                            failures = 0;
                            InitialResponseTicks.Add(now - opened);
                            Subscribed.TrySetResult();
                            last = now;
                            continue;
                        }

                        MaxGapTicks = Math.Max(MaxGapTicks, now - last);
                        last = now;
                        shardEnded |= OnMessage(message);
                    }

                    if (!subscribed)
                    {
                        throw new ProtocolViolationException("the response body ended without an initial-response event");
                    }

                    if (!shardEnded)
                    {
                        Renewals++;
                        Report.Progress($"{shardId}: subscription ended, renewing after {Continuation ?? "LATEST"}");
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (EddyServiceException e) when (!subscribed && e.ErrorType is "ResourceInUseException" or "LimitExceededException")
                {
                    // The previous subscription is still considered active, or the 1 call/s rule: retry (not an error).
                    result.AddErrorSample($"{shardId}: SubscribeToShard {e.ErrorType} (retried after 1 s; info)");
                    await DelayAsync(1000, ct);
                }
                catch (Exception e) when (e is EddyServiceException or HttpRequestException or IOException or EventStreamFormatException
                                              or JsonException or ProtocolViolationException or TaskCanceledException or InvalidOperationException)
                {
                    Errors++;
                    LastError = PutRunner.Describe(e);
                    result.AddErrorSample($"{shardId}: SubscribeToShard: {LastError}");
                    if (!subscribed && ++failures >= MaxConsecutiveFailures)
                    {
                        Subscribed.TrySetException(new InvalidOperationException(LastError));
                        return;
                    }

                    await DelayAsync(1000, ct);
                }
            }
        }

        /// <summary>Handles one message after the initial-response; true when it was the shard-end event.</summary>
        private bool OnMessage(EventMessage message)
        {
            switch (message.MessageType)
            {
                case EventStreamHeaders.MessageTypeEvent when message.EventType == EventStreamHeaders.SubscribeToShardEvent:
                    {
                        Events++;
                        SubscribeEventSummary e = _parser.ParseSubscribeToShardEvent(message.Payload, this);
                        Records += e.RecordCount;
                        if (e.RecordCount == 0)
                        {
                            Heartbeats++;
                        }

                        MaxMillisBehind = Math.Max(MaxMillisBehind, e.MillisBehindLatest);
                        bool shardEnd = e.ChildShardIds.Count > 0;
                        if ((e.ContinuationSequenceNumber is null) != shardEnd)
                        {
                            // KCL's validity rule: ContinuationSequenceNumber absent ⇔ ChildShards non-empty.
                            InvalidEvents++;
                            result.AddErrorSample($"{shardId}: event with ContinuationSequenceNumber {e.ContinuationSequenceNumber ?? "null"} and {e.ChildShardIds.Count} ChildShards");
                        }

                        if (e.ContinuationSequenceNumber is not null)
                        {
                            Continuation = e.ContinuationSequenceNumber;
                        }

                        return shardEnd;
                    }

                case EventStreamHeaders.MessageTypeEvent:
                    // Unknown event types are ignored (forward compatibility), as the SDKs do.
                    return false;
                case EventStreamHeaders.MessageTypeException or EventStreamHeaders.MessageTypeError:
                    Exceptions++;
                    result.AddErrorSample($"{shardId}: {Describe(message)}");
                    return false;
                default:
                    InvalidEvents++;
                    result.AddErrorSample($"{shardId}: unexpected message {Describe(message)}");
                    return false;
            }
        }

        public void OnRecord(ReadOnlySpan<byte> sequenceNumber, ReadOnlySpan<byte> dataBase64, ReadOnlySpan<byte> partitionKey)
        {
            if (_lastSequenceLength > 0 && RecordFormat.CompareSequence(sequenceNumber, _lastSequence.AsSpan(0, _lastSequenceLength)) <= 0)
            {
                OutOfOrder++;
                result.AddErrorSample($"{shardId}: sequence number {Encoding.UTF8.GetString(sequenceNumber)} not above the previous one");
            }

            if (sequenceNumber.Length > _lastSequence.Length)
            {
                _lastSequence = new byte[sequenceNumber.Length];
            }

            sequenceNumber.CopyTo(_lastSequence);
            _lastSequenceLength = sequenceNumber.Length;
            deliveries.Saw(dataBase64, _receivedAt);
        }

        private static string Describe(EventMessage m)
        {
            string payload = Encoding.UTF8.GetString(m.Payload.AsSpan(0, Math.Min(m.Payload.Length, 200)));
            return m.MessageType switch
            {
                EventStreamHeaders.MessageTypeException => $"exception {m.ExceptionType}: {payload}",
                EventStreamHeaders.MessageTypeError => $"error {m.ErrorCode}: {m.ErrorMessage}",
                _ => $":message-type {m.MessageType ?? "(none)"}, :event-type {m.EventType ?? "(none)"}, payload {payload}",
            };
        }

        private static async Task DelayAsync(int ms, CancellationToken ct)
        {
            try
            {
                await Task.Delay(ms, ct);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>The server broke the SubscribeToShard exchange rules (docs/formats/event-stream.md).</summary>
    private sealed class ProtocolViolationException(string message) : Exception(message);

    /// <summary>
    /// Background load: PutRecords calls of <c>--batch</c> records scheduled at <c>--background-rate</c> records/s,
    /// up to <c>--concurrency</c> in flight. Record counters are dense per batch slot; which were acknowledged and which
    /// were received is kept in bitmaps, so every acknowledged record can be checked to arrive exactly once.
    /// </summary>
    private sealed class BackgroundWriter
    {
        private readonly KinesisClient _client;
        private readonly LoadOptions _o;
        private readonly string _stream;
        private readonly long _maxBatches;
        private readonly long[] _acked;
        private readonly long[] _seen;
        private readonly List<SampleList> _latencies = [];
        private long _nextBatch = -1;
        private long _ackedCount;
        private long _seenCount;
        private long _duplicates;
        private long _failed;
        private long _callErrors;

        public BackgroundWriter(KinesisClient client, LoadOptions o, string stream, uint writerId)
        {
            _client = client;
            _o = o;
            _stream = stream;
            WriterId = writerId;

            // Room for the whole run at full rate with generous slack; the writer stops if it ever runs out.
            double seconds = BackgroundWarmupSeconds + (o.Count / o.Rate) + 60;
            _maxBatches = (long)Math.Ceiling(seconds * o.BackgroundRate / o.Batch) + 1;
            long bits = _maxBatches * o.Batch;
            _acked = new long[(bits + 63) / 64];
            _seen = new long[(bits + 63) / 64];
        }

        public uint WriterId { get; }

        public long AckedCount => Interlocked.Read(ref _ackedCount);

        public long SeenCount => Interlocked.Read(ref _seenCount);

        public long Duplicates => Interlocked.Read(ref _duplicates);

        public long FailedRecords => Interlocked.Read(ref _failed);

        public long CallErrors => Interlocked.Read(ref _callErrors);

        public double Seconds { get; private set; }

        public Dictionary<string, long> ErrorSamples { get; } = [];

        public LatencySummary Latency() => new(_latencies.SelectMany(l => l.Items));

        public async Task RunAsync(CancellationToken ct)
        {
            long start = Clock.Now;
            var workers = new Task[_o.Concurrency];
            for (int w = 0; w < workers.Length; w++)
            {
                var samples = new SampleList();
                _latencies.Add(samples);
                workers[w] = Task.Run(() => WorkAsync(start, samples, ct), CancellationToken.None);
            }

            await Task.WhenAll(workers);
            Seconds = Clock.ToSeconds(Clock.Now - start);
        }

        public void Saw(ulong counter)
        {
            if (counter >= (ulong)_seen.LongLength * 64)
            {
                return;
            }

            long mask = 1L << (int)(counter & 63);
            if ((Interlocked.Or(ref _seen[counter >> 6], mask) & mask) != 0)
            {
                Interlocked.Increment(ref _duplicates);
            }
            else
            {
                Interlocked.Increment(ref _seenCount);
            }
        }

        /// <summary>(acknowledged but never received, acknowledged and received).</summary>
        public (long Lost, long Seen) Verify()
        {
            long lost = 0;
            long seen = 0;
            for (int i = 0; i < _acked.Length; i++)
            {
                lost += long.PopCount(_acked[i] & ~_seen[i]);
                seen += long.PopCount(_acked[i] & _seen[i]);
            }

            return (lost, seen);
        }

        private async Task WorkAsync(long start, SampleList latencies, CancellationToken ct)
        {
            byte[] filler = RecordFormat.CreateFiller(_o.RecordSize);
            RecordBodyTemplate body = RecordBodyTemplate.ForPutRecords(_stream, _o.Batch, filler);
            var response = new ResponseBuffer(128 * 1024);
            var parser = new ResponseParser();
            var sink = new AckSink(this);
            var random = new Random((int)WriterId + Environment.CurrentManagedThreadId);
            double interval = _o.Batch / _o.BackgroundRate;
            while (!ct.IsCancellationRequested)
            {
                long batch = Interlocked.Increment(ref _nextBatch);
                if (batch >= _maxBatches)
                {
                    return;
                }

                long wait = start + Clock.FromSeconds(batch * interval) - Clock.Now;
                if (wait > 0)
                {
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(Clock.ToSeconds(wait)), ct);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }

                long first = batch * _o.Batch;
                long send = Clock.Now;
                for (int i = 0; i < _o.Batch; i++)
                {
                    body.Patch(i, WriterId, (ulong)(first + i), send, random.Next(_o.Keys));
                }

                try
                {
                    await _client.SendRawAsync(Ops.PutRecords, body.Body, response, ct);
                    latencies.Add(Clock.Now - send);
                    sink.First = first;
                    parser.ParsePutRecords(response.Span, sink, out _);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is EddyServiceException or HttpRequestException or JsonException or TaskCanceledException)
                {
                    Interlocked.Increment(ref _callErrors);
                    Sample(PutRunner.Describe(e));
                }
            }
        }

        private void Sample(string message)
        {
            lock (ErrorSamples)
            {
                if (ErrorSamples.TryGetValue(message, out long n))
                {
                    ErrorSamples[message] = n + 1;
                }
                else if (ErrorSamples.Count < 5)
                {
                    ErrorSamples[message] = 1;
                }
            }
        }

        private sealed class AckSink(BackgroundWriter owner) : IPutRecordsSink
        {
            public long First { get; set; }

            public void OnEntry(int index, ReadOnlySpan<byte> sequenceNumber, ReadOnlySpan<byte> shardId, ReadOnlySpan<byte> errorCode)
            {
                if (!errorCode.IsEmpty)
                {
                    Interlocked.Increment(ref owner._failed);
                    owner.Sample("PutRecords entry ErrorCode " + Encoding.UTF8.GetString(errorCode));
                    return;
                }

                if (index >= owner._o.Batch)
                {
                    return;
                }

                long counter = First + index;
                Interlocked.Or(ref owner._acked[counter >> 6], 1L << (int)(counter & 63));
                Interlocked.Increment(ref owner._ackedCount);
            }
        }
    }
}
