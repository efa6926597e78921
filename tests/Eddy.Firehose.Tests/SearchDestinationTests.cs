using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Eddy.Catalog;
using Eddy.Core.Firehose;
using Eddy.Firehose.Delivery;
using Eddy.Objects;
using Eddy.Storage;
using Eddy.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Eddy.Firehose.Tests;

/// <summary>The Elasticsearch / OpenSearch / OpenSearch Serverless destinations on the memory twins and a fake clock,
/// delivering to a real <c>_bulk</c> receiver (Kestrel on loopback): the NDJSON request, index rotation, document ids,
/// per-item and whole-request retries until the retry window closes, the error output, backup, splitting, validation,
/// and a redo after a crash.</summary>
public sealed class SearchDestinationTests : IAsyncLifetime
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
    private readonly BackoffSignal _clock;
    private readonly MemoryLogStore _logs;
    private readonly MemoryCatalogStore _catalog = new();
    private readonly HeldObjectStore _objects;
    private readonly List<FirehoseEngine> _engines = [];
    private OpenSearchReceiver _receiver = null!;

    public SearchDestinationTests()
    {
        _clock = new BackoffSignal(_time);
        _logs = new MemoryLogStore(_time);
        _objects = new HeldObjectStore(new MemoryObjectStore(_time));
    }

    public async Task InitializeAsync()
    {
        await _objects.CreateBucketAsync("bucket", CancellationToken.None);
        _receiver = await OpenSearchReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var engine in _engines)
        {
            await engine.DisposeAsync();
        }
        await _receiver.DisposeAsync();
        await _logs.DisposeAsync();
    }

    private async Task<FirehoseEngine> StartAsync()
    {
        var engine = new FirehoseEngine(new FirehoseOptions { Time = _clock }, _logs, _catalog, _objects);
        _engines.Add(engine);
        await engine.StartAsync();
        return engine;
    }

    private DestinationInput Search(string kind = SearchSettings.OpenSearch, string extra = "", int retrySeconds = 60, int sizeMb = 5, int intervalSeconds = 0) =>
        new(kind + "DestinationConfiguration", $$"""
            {"RoleARN":"arn:aws:iam::000000000000:role/r",
             "{{(kind == SearchSettings.OpenSearchServerless ? "CollectionEndpoint" : "ClusterEndpoint")}}":"{{_receiver.Endpoint}}","IndexName":"logs",
             "BufferingHints":{"SizeInMBs":{{sizeMb}},"IntervalInSeconds":{{intervalSeconds}}},"RetryOptions":{"DurationInSeconds":{{retrySeconds}}},
             "S3Configuration":{"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::bucket"}{{extra}}}
            """);

    private static Task CreateAsync(FirehoseEngine engine, string name, DestinationInput destination) =>
        engine.CreateDeliveryStreamAsync(new CreateDeliveryStreamInput(name, null, null, null, [destination], [])).AsTask();

    private static ReadOnlyMemory<byte>[] Json(params string[] records) => [.. records.Select(r => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(r))];

    /// <summary>Waits until every one of <paramref name="records"/> is indexed or given up on.</summary>
    private static Task DoneAsync(FirehoseEngine engine, string name, long records) =>
        engine.WaitForMetricsAsync(name, m => m.DeliveryRecords + m.ProcessingFailedRecords >= records, CancellationToken.None).WaitAsync(s_wait);

    /// <summary>Drives the retries: each time the flush waits a backoff, the clock moves by that backoff, until
    /// <paramref name="records"/> are indexed or given up on.</summary>
    private async Task DriveAsync(FirehoseEngine engine, string name, long records, Action? beforeAdvance = null)
    {
        for (var i = 0; i < 100; i++)
        {
            using var stop = new CancellationTokenSource();
            var backoff = _clock.NextBackoffAsync(stop.Token);
            var done = DoneAsync(engine, name, records);
            var first = await Task.WhenAny(backoff, done).WaitAsync(s_wait);
            await stop.CancelAsync();
            if (first == done)
            {
                await done;
                return;
            }
            beforeAdvance?.Invoke();
            _time.Advance(await backoff);
        }
        Assert.Fail("the flush did not end within 100 retries");
    }

    private async Task<JsonElement> DescribedAsync(FirehoseEngine engine, string name, string kind)
    {
        var view = await engine.DescribeDeliveryStreamAsync(name);
        return JsonDocument.Parse(view.DestinationJson).RootElement.GetProperty(kind);
    }

    [Fact]
    public async Task A_flush_is_one_bulk_request_of_NDJSON_with_the_rotated_index_and_the_record_ids_as_document_ids()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "os", Search());
        var put = await engine.PutRecordsAsync("os", Json("{\"user\":\"alice\"}\n", "{\n  \"user\": \"bob\",\n  \"n\": 2\n}", "{\"user\":\"carol\"}"));
        await DoneAsync(engine, "os", 3);

        var request = Assert.Single(_receiver.Requests);
        Assert.Equal("application/x-ndjson", request.ContentType);
        Assert.Equal("/_bulk", request.Path);
        Assert.Empty(_receiver.Violations);
        Assert.All(request.Items, i => Assert.Equal(("logs-2026-03-04", null), (i.Index, i.Type)));
        Assert.Equal(put.RecordIds.Select(id => id + ".0"), request.Items.Select(i => i.Id));
        Assert.Equal(["{\"user\":\"alice\"}", "{   \"user\": \"bob\",   \"n\": 2 }", "{\"user\":\"carol\"}"], request.Items.Select(i => i.Source));
        Assert.Equal(3, _receiver.Documents.Count);
        Assert.Empty(await _objects.ReadAllAsync("bucket"));
        var metrics = Assert.Single(engine.Snapshot());
        Assert.Equal((3L, 1L, 0L), (metrics.DeliveryRecords, metrics.DeliveryObjects, metrics.ProcessingFailedRecords));

        var described = await DescribedAsync(engine, "os", "AmazonopensearchserviceDestinationDescription");
        Assert.Equal("OneDay", described.GetProperty("IndexRotationPeriod").GetString());
        Assert.Equal("FailedDocumentsOnly", described.GetProperty("S3BackupMode").GetString());
        Assert.Equal("FIREHOSE_DEFAULT", described.GetProperty("DocumentIdOptions").GetProperty("DefaultDocumentIdFormat").GetString());
        Assert.Equal(60, described.GetProperty("RetryOptions").GetProperty("DurationInSeconds").GetInt32());
    }

    [Theory]
    [InlineData("NoRotation", "myindex")]
    [InlineData("OneHour", "myindex-2016-02-25-13")]
    [InlineData("OneDay", "myindex-2016-02-25")]
    [InlineData("OneWeek", "myindex-2016-w08")]
    [InlineData("OneMonth", "myindex-2016-02")]
    public void Index_rotation_names_the_index_from_the_arrival_time_as_AWS_documents(string period, string index)
    {
        var settings = new SearchSettings(new Uri("http://127.0.0.1/_bulk"), "myindex", null, period, true, TimeSpan.Zero, "x", false);
        Assert.Equal(index, settings.IndexFor(new DateTimeOffset(2016, 2, 25, 13, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds()));
    }

    [Theory]
    [InlineData(2016, 1, 1, 0)] // a Friday: before the year's first Sunday
    [InlineData(2016, 1, 2, 0)]
    [InlineData(2016, 1, 3, 1)] // the first Sunday
    [InlineData(2016, 2, 25, 8)]
    [InlineData(2017, 1, 1, 1)] // a Sunday
    [InlineData(2016, 12, 31, 52)]
    public void OneWeek_numbers_weeks_from_Sunday_as_strftime_U(int year, int month, int day, int week) =>
        Assert.Equal(week, SearchSettings.SundayWeek(new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Utc)));

    [Fact]
    public async Task TypeName_adds_the_type_and_NO_DOCUMENT_ID_leaves_the_id_to_the_cluster()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "es", Search(SearchSettings.Elasticsearch,
            ""","TypeName":"doc","IndexRotationPeriod":"OneHour","DocumentIdOptions":{"DefaultDocumentIdFormat":"NO_DOCUMENT_ID"}"""));
        await engine.PutRecordsAsync("es", Json("{\"a\":1}", "{\"a\":2}"));
        await DoneAsync(engine, "es", 2);

        var request = Assert.Single(_receiver.Requests);
        Assert.All(request.Items, i => Assert.Equal(("logs-2026-03-04-05", "doc", null), (i.Index, i.Type, i.Id)));
        Assert.Equal(2, _receiver.Documents.Count);
    }

    [Fact]
    public async Task Failed_items_are_sent_again_alone_until_the_cluster_indexes_them()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "retry", Search());
        _receiver.ItemStatus = (item, seen) => item.Source.Contains("\"n\":2", StringComparison.Ordinal) && seen < 2 ? 429 : 201;
        var put = await engine.PutRecordsAsync("retry", Json("{\"n\":1}", "{\"n\":2}", "{\"n\":3}"));
        await DriveAsync(engine, "retry", 3);

        var requests = _receiver.Requests;
        Assert.Equal([3, 1, 1], requests.Select(r => r.Items.Count));
        Assert.All(requests.Skip(1), r => Assert.Equal(put.RecordIds[1] + ".0", Assert.Single(r.Items).Id));
        Assert.Equal(3, _receiver.Documents.Count);
        Assert.Empty(await _objects.ReadAllAsync("bucket"));
        var metrics = Assert.Single(engine.Snapshot());
        Assert.Equal((3L, 0L, 3L), (metrics.DeliveryRecords, metrics.ProcessingFailedRecords, metrics.DeliveryAttempts));
    }

    [Theory]
    [InlineData(SearchSettings.OpenSearch, "AmazonOpenSearchService-failed", "es")]
    [InlineData(SearchSettings.Elasticsearch, "elasticsearch-failed", "es")]
    [InlineData(SearchSettings.OpenSearchServerless, "AmazonOpenSearchServerless-failed", "os")]
    public async Task Items_still_failing_when_the_retry_window_closes_go_to_the_error_output_as_AWS_writes_them(string kind, string errorOutputType, string field)
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "w", Search(kind, retrySeconds: 60));
        _receiver.ItemStatus = (item, _) => item.Source.Contains("bad", StringComparison.Ordinal) ? 400 : 201;
        var put = await engine.PutRecordsAsync("w", Json("{\"ok\":1}", "{\"bad\":true}\n", "{\"ok\":2}"));
        await DriveAsync(engine, "w", 3);

        Assert.Equal(2, _receiver.Documents.Count);
        var requests = _receiver.Requests;
        Assert.True(requests.Count > 2, $"{requests.Count} requests: the failed item is retried");
        Assert.All(requests.Skip(1), r => Assert.Equal(put.RecordIds[1] + ".0", Assert.Single(r.Items).Id));
        var (key, data) = Assert.Single(await _objects.ReadAllAsync("bucket"));
        Assert.Matches(new Regex($"^{errorOutputType}/2026/03/04/05/w-1-2026-03-04-05-06-07-[0-9a-f-]{{36}}$"), key);
        var line = Assert.Single(Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var doc = JsonDocument.Parse(line).RootElement;
        string[] fields = field == "es"
            ? ["attemptsMade", "arrivalTimestamp", "errorCode", "errorMessage", "attemptEndingTimestamp", "esDocumentId", "esIndexName", "esTypeName", "rawData"]
            : ["attemptsMade", "arrivalTimestamp", "errorCode", "errorMessage", "attemptEndingTimestamp", "osDocumentId", "osIndexName", "rawData"];
        Assert.Equal(fields, doc.EnumerateObject().Select(p => p.Name));
        Assert.Equal(requests.Count, doc.GetProperty("attemptsMade").GetInt32());
        Assert.Equal(_time.GetUtcNow().ToUnixTimeMilliseconds(), doc.GetProperty("attemptEndingTimestamp").GetInt64());
        Assert.True(_time.GetUtcNow() - new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero) >= TimeSpan.FromSeconds(60), "given up only after the window");
        Assert.Equal(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero).ToUnixTimeMilliseconds(), doc.GetProperty("arrivalTimestamp").GetInt64());
        Assert.Equal("400", doc.GetProperty("errorCode").GetString());
        Assert.Equal("mapper_parsing_exception", JsonDocument.Parse(doc.GetProperty("errorMessage").GetString()!).RootElement.GetProperty("type").GetString());
        Assert.Equal(put.RecordIds[1] + ".0", doc.GetProperty(field + "DocumentId").GetString());
        Assert.Equal(kind == SearchSettings.OpenSearchServerless ? "logs" : "logs-2026-03-04", doc.GetProperty(field + "IndexName").GetString());
        Assert.Equal("{\"bad\":true}\n", Encoding.UTF8.GetString(doc.GetProperty("rawData").GetBytesFromBase64()));
        var metrics = Assert.Single(engine.Snapshot());
        Assert.Equal((2L, 1L), (metrics.DeliveryRecords, metrics.ProcessingFailedRecords));
    }

    [Theory]
    [InlineData("down")]
    [InlineData("503")]
    [InlineData("429")]
    public async Task A_cluster_that_is_down_or_refuses_whole_requests_delays_delivery_and_loses_or_duplicates_nothing(string failure)
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "down", Search(retrySeconds: 3600));
        _receiver.Down = failure == "down";
        _receiver.RequestStatus = failure == "down" ? null : int.Parse(failure, System.Globalization.CultureInfo.InvariantCulture);
        await engine.PutRecordsAsync("down", Json("{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}"));
        var failures = 0;
        await DriveAsync(engine, "down", 4, () =>
        {
            if (++failures == 3)
            {
                _receiver.Down = false;
                _receiver.RequestStatus = null;
            }
        });

        Assert.Equal(4, _receiver.Documents.Count);
        Assert.Equal(4, _receiver.Requests.Last().Items.Count);
        Assert.Equal(failure == "down" ? 3 : 0, _receiver.Aborted);
        Assert.Empty(await _objects.ReadAllAsync("bucket"));
        var metrics = Assert.Single(engine.Snapshot());
        Assert.Equal((4L, 0L, 4L), (metrics.DeliveryRecords, metrics.ProcessingFailedRecords, metrics.DeliveryAttempts));
    }

    [Fact]
    public async Task A_cluster_that_stays_down_with_no_retry_window_sends_the_documents_to_the_error_output_with_a_connection_error()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "gone", Search(SearchSettings.Elasticsearch, retrySeconds: 0));
        _receiver.Down = true;
        await engine.PutRecordsAsync("gone", Json("{\"n\":1}", "{\"n\":2}"));
        await DoneAsync(engine, "gone", 2);

        var (key, data) = Assert.Single(await _objects.ReadAllAsync("bucket"));
        Assert.StartsWith("elasticsearch-failed/", key, StringComparison.Ordinal);
        var lines = Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Equal(("ES.ConnectionFailed", 1), (l.GetProperty("errorCode").GetString(), l.GetProperty("attemptsMade").GetInt32())));
        Assert.Equal(1, _receiver.Aborted);
    }

    [Fact]
    public async Task Records_that_are_not_one_JSON_object_fail_at_once_and_the_others_are_indexed()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "poison", Search(retrySeconds: 3600));
        await engine.PutRecordsAsync("poison", Json("{\"ok\":1}", "not json", "[1,2]", "{\"a\":1}{\"b\":2}", "{\"ok\":2}"));
        await DoneAsync(engine, "poison", 5);

        Assert.Equal(2, Assert.Single(_receiver.Requests).Items.Count);
        var (key, data) = Assert.Single(await _objects.ReadAllAsync("bucket"));
        Assert.StartsWith("AmazonOpenSearchService-failed/", key, StringComparison.Ordinal);
        var lines = Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["not json", "[1,2]", "{\"a\":1}{\"b\":2}"], lines.Select(l => Encoding.UTF8.GetString(l.GetProperty("rawData").GetBytesFromBase64())));
        Assert.All(lines, l => Assert.Equal(("400", 0), (l.GetProperty("errorCode").GetString(), l.GetProperty("attemptsMade").GetInt32())));
    }

    [Fact]
    public async Task AllDocuments_backs_up_every_source_record_to_S3()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "all", Search(extra: ""","S3BackupMode":"AllDocuments" """));
        await engine.PutRecordsAsync("all", Json("{\"n\":1}\n", "{\"n\":2}\n"));
        await DoneAsync(engine, "all", 2);

        Assert.Equal(2, _receiver.Documents.Count);
        var (key, data) = Assert.Single(await _objects.ReadAllAsync("bucket"));
        Assert.StartsWith("2026/03/04/05/all-1-2026-03-04-05-06-07-", key, StringComparison.Ordinal);
        Assert.Equal("{\"n\":1}\n{\"n\":2}\n", Encoding.UTF8.GetString(data));
    }

    [Fact]
    public async Task A_flush_larger_than_10_MiB_is_split_into_several_bulk_requests()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "big", Search(sizeMb: 20, intervalSeconds: 60));
        var record = "{\"pad\":\"" + new string('x', 999_980) + "\"}";
        for (var i = 0; i < 12; i++)
        {
            await engine.PutRecordsAsync("big", Json(record));
        }
        _time.Advance(TimeSpan.FromSeconds(60));
        await DoneAsync(engine, "big", 12);

        var requests = _receiver.Requests;
        Assert.Equal([10, 2], requests.Select(r => r.Items.Count));
        Assert.All(requests, r => Assert.True(r.Items.Sum(i => i.Source.Length + 100) <= SearchWriter.MaxRequestBytes));
        Assert.Equal(12, _receiver.Documents.Count);
        Assert.Equal(2, Assert.Single(engine.Snapshot()).DeliveryObjects);
    }

    [Theory]
    [InlineData(""","DomainARN":"arn:aws:es:us-east-1:000000000000:domain/logs" """, "ClusterEndpoint", "DomainARN is not supported by Eddy")]
    [InlineData(""","DomainARN":"arn:aws:es:us-east-1:000000000000:domain/logs" """, null, "Only one of DomainARN and ClusterEndpoint can be specified.")]
    [InlineData("", "ClusterEndpoint", "ClusterEndpoint is required")]
    [InlineData(""","ClusterEndpoint":"ftp://127.0.0.1:9200" """, "ClusterEndpoint", "is not a valid http:// or https:// URL")]
    [InlineData(""","BufferingHints":{"SizeInMBs":1} """, "BufferingHints", "BufferingHints must specify both SizeInMBs and IntervalInSeconds.")]
    public async Task Configurations_Eddy_cannot_deliver_are_refused_with_InvalidArgumentException(string extra, string? remove, string message)
    {
        var engine = await StartAsync();
        var json = JsonNode(Search().Json);
        if (remove is not null)
        {
            json.Remove(remove);
        }
        foreach (var (name, value) in JsonNode("{" + extra.TrimStart(',') + "}"))
        {
            json[name] = value?.DeepClone();
        }
        var e = await Assert.ThrowsAsync<FirehoseException>(() => CreateAsync(engine, "bad", new DestinationInput("AmazonopensearchserviceDestinationConfiguration", json.ToJsonString())));
        Assert.Equal(FirehoseException.InvalidArgument, e.ErrorType);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Empty(engine.Snapshot());
    }

    [Fact]
    public async Task UpdateDestination_keeps_S3BackupMode_and_the_next_flush_goes_to_the_new_index()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "u", Search(extra: ""","S3BackupMode":"AllDocuments" """));
        await engine.UpdateDestinationAsync("u", "1", "destinationId-000000000001",
            new DestinationInput("AmazonopensearchserviceDestinationUpdate", """{"IndexName":"v2","IndexRotationPeriod":"NoRotation","S3BackupMode":"FailedDocumentsOnly"}"""));
        var described = await DescribedAsync(engine, "u", "AmazonopensearchserviceDestinationDescription");
        Assert.Equal(("v2", "AllDocuments"), (described.GetProperty("IndexName").GetString(), described.GetProperty("S3BackupMode").GetString()));

        await engine.UpdateDestinationAsync("u", "2", "destinationId-000000000001", new DestinationInput("ElasticsearchDestinationUpdate",
            JsonNode(Search(SearchSettings.Elasticsearch).Json).ToJsonString()));
        var es = await DescribedAsync(engine, "u", "ElasticsearchDestinationDescription");
        Assert.Equal("AllDocuments", es.GetProperty("S3BackupMode").GetString());
        var toS3 = await Assert.ThrowsAsync<FirehoseException>(() => engine.UpdateDestinationAsync("u", "3", "destinationId-000000000001",
            new DestinationInput("ExtendedS3DestinationUpdate", """{"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::bucket"}""")).AsTask());
        Assert.Equal(FirehoseException.InvalidArgument, toS3.ErrorType);

        await engine.PutRecordsAsync("u", Json("{\"n\":1}"));
        await DoneAsync(engine, "u", 1);
        Assert.Equal("logs-2026-03-04", Assert.Single(Assert.Single(_receiver.Requests).Items).Index);
    }

    [Fact]
    public async Task A_crash_after_the_cluster_indexed_redoes_the_flush_with_the_same_document_ids()
    {
        var crashed = await StartAsync();
        await CreateAsync(crashed, "x", Search());
        _receiver.HoldAnswers = new TaskCompletionSource().Task; // indexed, but the answer never reaches the sender
        var put = await crashed.PutRecordsAsync("x", Json("{\"n\":1}", "{\"n\":2}", "{\"n\":3}"));
        await _receiver.WaitAsync(r => r.Requests.Count == 1, s_wait);
        _engines.Remove(crashed); // abandoned, as kill -9 would leave it
        _receiver.HoldAnswers = null;

        var restarted = await StartAsync();
        await DoneAsync(restarted, "x", 3);
        var requests = _receiver.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal(requests[0].Items.Select(i => i.Id), requests[1].Items.Select(i => i.Id));
        Assert.Equal(put.RecordIds.Select(id => id + ".0"), requests[1].Items.Select(i => i.Id));
        Assert.Equal(3, _receiver.Documents.Count);
    }

    private static System.Text.Json.Nodes.JsonObject JsonNode(string json) => System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();

    /// <summary>The engine's clock: the fake clock, and a signal each time a flush starts waiting a retry backoff (a timer
    /// of at most the options' maximum delay), so a test moves the clock, by that backoff, only once the wait is registered.</summary>
    private sealed class BackoffSignal(FakeTimeProvider inner) : TimeProvider
    {
        private readonly Channel<TimeSpan> _backoffs = Channel.CreateUnbounded<TimeSpan>();

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = inner.CreateTimer(callback, state, dueTime, period);
            if (dueTime > TimeSpan.Zero && dueTime <= new FirehoseOptions().RetryMaxDelay)
            {
                _backoffs.Writer.TryWrite(dueTime);
            }
            return timer;
        }

        /// <summary>The next backoff a flush waits (the one already registered, or the next to come).</summary>
        public Task<TimeSpan> NextBackoffAsync(CancellationToken cancellationToken) => _backoffs.Reader.ReadAsync(cancellationToken).AsTask();
    }
}
