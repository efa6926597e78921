using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Eddy.Catalog;
using Eddy.Core.Firehose;
using Eddy.Firehose.Delivery;
using Eddy.Objects;
using Eddy.Storage;
using Eddy.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Eddy.Firehose.Tests;

/// <summary>The Redshift destination on the engine (memory twins, a fake clock) delivering into a real PostgreSQL the
/// class starts: the staged object and manifest, the COPY options translated, one transaction per flush, retries and
/// the errors/ manifest when the retry window closes, the Redshift.* error codes, exactly once across a redo.</summary>
public sealed partial class RedshiftDeliveryTests(PostgresServer pg) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);
    private readonly TimerCountingTime _time = new(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
    private readonly MemoryCatalogStore _catalog = new();
    private readonly List<FirehoseEngine> _engines = [];
    private MemoryLogStore _logs = null!;
    private HeldObjectStore _objects = null!;
    private string _db = "";

    public async Task InitializeAsync()
    {
        _logs = new MemoryLogStore(_time);
        _objects = new HeldObjectStore(new MemoryObjectStore(_time));
        await _objects.CreateBucketAsync("bucket", CancellationToken.None);
        _db = await pg.CreateDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var engine in _engines)
        {
            // Stopping flushes what is buffered; a test that failed may leave a COPY waiting for its retry on the fake
            // clock: move the clock on until the loop has given up (it abandons the flush at its next failure).
            var stopping = engine.DisposeAsync().AsTask();
            for (var i = 0; i < 10 && !stopping.IsCompleted; i++)
            {
                var timers = _time.Timers;
                _time.Advance(TimeSpan.FromMinutes(1));
                await Task.WhenAny(stopping, _time.WaitForTimersAsync(timers + 1, s_wait));
            }
            await stopping.WaitAsync(s_wait);
        }
        await _logs.DisposeAsync();
    }

    private async Task<FirehoseEngine> StartAsync()
    {
        var engine = new FirehoseEngine(new FirehoseOptions { Time = _time }, _logs, _catalog, _objects);
        _engines.Add(engine);
        await engine.StartAsync();
        return engine;
    }

    private string Redshift(string table, string? copyOptions, string? columns = null, int? retrySeconds = null, string compression = "UNCOMPRESSED",
        string? jdbc = null, string? extra = null)
    {
        var copy = new JsonObject { ["DataTableName"] = table };
        if (columns is not null)
        {
            copy["DataTableColumns"] = columns;
        }
        if (copyOptions is not null)
        {
            copy["CopyOptions"] = copyOptions;
        }
        var configuration = JsonNode("{" + (extra ?? "") + """
            "RoleARN":"arn:aws:iam::000000000000:role/r","Username":"eddy",
            "S3Configuration":{"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::bucket","Prefix":"stage/",
              "BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0}}}
            """);
        configuration["ClusterJDBCURL"] = jdbc ?? pg.JdbcUrl(_db);
        configuration["Username"] = pg.User;
        configuration["Password"] = pg.Password;
        configuration["CopyCommand"] = copy;
        configuration["S3Configuration"]!["CompressionFormat"] = compression;
        if (retrySeconds is { } seconds)
        {
            configuration["RetryOptions"] = new JsonObject { ["DurationInSeconds"] = seconds };
        }
        return configuration.ToJsonString();
    }

    private static Task CreateAsync(FirehoseEngine engine, string name, string configuration) =>
        engine.CreateDeliveryStreamAsync(new CreateDeliveryStreamInput(name, null, null, null, [new DestinationInput("RedshiftDestinationConfiguration", configuration)], [])).AsTask();

    private static ReadOnlyMemory<byte>[] Lines(params string[] lines) => [.. lines.Select(l => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(l + "\n"))];

    private Task DeliveredAsync(FirehoseEngine engine, string name, long records) =>
        engine.WaitForMetricsAsync(name, m => m.DeliveryRecords >= records, CancellationToken.None).WaitAsync(s_wait);

    private Task<IReadOnlyList<string?[]>> RowsAsync(string sql) => pg.QueryAsync(_db, sql);

    [Fact]
    public async Task Json_auto_loads_a_flush_from_its_staged_object_and_manifest()
    {
        await pg.ExecuteAsync(_db, "CREATE TABLE events (id int, name varchar(20), amount numeric(6,2), at timestamptz, tags varchar(100), note varchar(10))");
        var engine = await StartAsync();
        await CreateAsync(engine, "j", Redshift("Events", "JSON 'auto' GZIP TIMEFORMAT 'auto' REGION 'us-east-1' CREDENTIALS 'aws_iam_role=arn:aws:iam::0:role/r';", compression: "GZIP"));
        await engine.PutRecordsAsync("j", Lines(
            """{"id":1,"name":"ann","amount":12.5,"at":"2026-03-04T05:06:07Z","tags":["a","b"],"other":true}""",
            """{"id":2,"name":null,"Note":"upper key","amount":"3"}""",
            """{"id":3,"name":"","note":"  "}"""));
        await DeliveredAsync(engine, "j", 3);

        var rows = await RowsAsync("SELECT id, name, amount, at AT TIME ZONE 'UTC', tags, note FROM events ORDER BY id");
        // 'auto' matches lowercase keys only: "Note" is not the column note
        AssertRows(rows, ["1", "ann", "12.50", "03/04/2026 05:06:07", """["a","b"]""", null], ["2", null, "3.00", null, null, null], ["3", "", null, null, null, "  "]);

        var objects = await _objects.ReadAllAsync("bucket");
        Assert.Equal(2, objects.Count);
        var (dataKey, data) = Assert.Single(objects, o => o.Key.EndsWith(".gz", StringComparison.Ordinal));
        Assert.Matches(ObjectKey(), dataKey);
        Assert.StartsWith("{\"id\":1", Encoding.UTF8.GetString(Compression.Decompress("GZIP", data)), StringComparison.Ordinal);
        var (manifestKey, manifest) = Assert.Single(objects, o => o.Key.StartsWith("stage/manifests/", StringComparison.Ordinal));
        Assert.Equal("stage/manifests/" + dataKey["stage/".Length..^".gz".Length], manifestKey);
        Assert.Equal($$"""{"entries":[{"url":"s3://bucket/{{dataKey}}","mandatory":true}]}""", Encoding.UTF8.GetString(manifest));
        var metrics = Assert.Single(engine.Snapshot());
        Assert.Equal((3L, 1L), (metrics.DeliveryRecords, metrics.DeliveryObjects));
    }

    [Fact]
    public async Task Json_auto_ignorecase_matches_keys_in_any_case_and_DataTableColumns_limits_the_columns()
    {
        await pg.ExecuteAsync(_db, "CREATE TABLE people (id int, name text, city text DEFAULT 'nowhere')");
        var engine = await StartAsync();
        await CreateAsync(engine, "ic", Redshift("public.people", "format as json 'auto ignorecase'", columns: "ID, Name"));
        await engine.PutRecordsAsync("ic", Lines("""{"ID":7,"NAME":"Zoe","City":"Paris"}""", """ {"id":8} """));
        await DeliveredAsync(engine, "ic", 2);
        AssertRows(await RowsAsync("SELECT id, name, city FROM people ORDER BY id"), ["7", "Zoe", "nowhere"], ["8", null, "nowhere"]);
    }

    [Fact]
    public async Task Csv_with_quote_delimiter_ignoreheader_null_as_and_emptyasnull()
    {
        await pg.ExecuteAsync(_db, "CREATE TABLE items (id int, name text, note text, qty int)");
        var engine = await StartAsync();
        await CreateAsync(engine, "csv", Redshift("items", "CSV QUOTE AS '%' DELIMITER AS ';' IGNOREHEADER 1 NULL AS 'NA' EMPTYASNULL DATEFORMAT 'auto' GZIP",
            columns: "id,name,note,qty", compression: "GZIP"));
        await engine.PutRecordsAsync("csv", Lines("id;name;note;qty", "1;%semi;colon%;NA;5", "2;;%multi\nline %%quoted%%%;", "3;%%;x;"));
        await DeliveredAsync(engine, "csv", 4);
        AssertRows(await RowsAsync("SELECT id, name, note, qty FROM items ORDER BY id"), ["1", "semi;colon", null, "5"], ["2", null, "multi\nline %quoted%", null], ["3", null, "x", null]);
    }

    [Fact]
    public async Task Default_pipe_delimited_text_with_escape_removequotes_and_blanksasnull()
    {
        await pg.ExecuteAsync(_db, "CREATE TABLE logs (day date, level text, message text)");
        var engine = await StartAsync();
        await CreateAsync(engine, "txt", Redshift("logs", "ESCAPE REMOVEQUOTES BLANKSASNULL"));
        await engine.PutRecordsAsync("txt", Lines(@"2026-03-04|INFO|a \| pipe", "2026-03-05|\"quoted|level\"|\\N", "  |   |kept"));
        await DeliveredAsync(engine, "txt", 3);
        AssertRows(await RowsAsync("SELECT to_char(day, 'YYYY-MM-DD'), level, message FROM logs ORDER BY day NULLS LAST"), ["2026-03-04", "INFO", "a | pipe"], ["2026-03-05", "quoted|level", null], [null, null, "kept"]);
    }

    [Fact]
    public async Task Bad_data_loads_nothing_of_its_flush_and_after_the_retry_window_the_manifest_goes_to_errors_and_delivery_goes_on()
    {
        await pg.ExecuteAsync(_db, "CREATE TABLE nums (n int)");
        var engine = await StartAsync();
        await CreateAsync(engine, "bad", Redshift("nums", "CSV GZIP", retrySeconds: 5, compression: "GZIP"));
        await engine.PutRecordsAsync("bad", Lines("1", "two", "3"));

        // Failures at t+0, +1, +3 (backoff 1 s, 2 s, 4 s); at +7 the 5 s window has closed.
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await _time.AdvanceAfterTimerAsync(attempt, attempt == 1 ? 1 : attempt == 2 ? 2 : 4, s_wait);
        }
        await DeliveredAsync(engine, "bad", 3);
        Assert.Empty(await RowsAsync("SELECT n FROM nums"));
        var objects = await _objects.ReadAllAsync("bucket");
        var manifest = Assert.Single(objects, o => o.Key.StartsWith("stage/manifests/", StringComparison.Ordinal));
        var error = Assert.Single(objects, o => o.Key.StartsWith("stage/errors/", StringComparison.Ordinal));
        Assert.Equal("stage/errors/manifests/" + manifest.Key["stage/manifests/".Length..], error.Key);
        Assert.Equal(manifest.Value, error.Value);
        var metrics = engine.Snapshot()[0];
        Assert.Equal((6L, 3L), (metrics.DeliveryAttempts, metrics.DeliveryPuts)); // three puts, three failed COPY attempts

        await engine.PutRecordsAsync("bad", Lines("4", "5"));
        await DeliveredAsync(engine, "bad", 5);
        AssertRows(await RowsAsync("SELECT n FROM nums ORDER BY n"), ["4"], ["5"]);
    }

    [Fact]
    public async Task A_missing_table_is_retried_until_it_exists_then_loaded_once()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "late", Redshift("later", "JSON 'auto'"));
        await engine.PutRecordsAsync("late", Lines("""{"v":"x"}"""));
        await _time.WaitForTimersAsync(1, s_wait); // the first COPY failed (Redshift.TableNotFound) and the retry waits
        await pg.ExecuteAsync(_db, "CREATE TABLE later (v text)");
        _time.Advance(TimeSpan.FromSeconds(1));
        await DeliveredAsync(engine, "late", 1);
        AssertRows(await RowsAsync("SELECT v FROM later"), ["x"]);
        Assert.DoesNotContain(await _objects.ReadAllAsync("bucket"), o => o.Key.Contains("errors/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_no_retry_a_refused_connection_goes_to_errors_at_once()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "down", Redshift("t", null, retrySeconds: 0, jdbc: "jdbc:redshift://127.0.0.1:1/dev"));
        await engine.PutRecordsAsync("down", Lines("a|b"));
        await DeliveredAsync(engine, "down", 1);
        Assert.Single(await _objects.ReadAllAsync("bucket"), o => o.Key.StartsWith("stage/errors/manifests/2026/03/04/05/down-1-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_flush_redone_after_a_crash_rewrites_the_same_keys_and_loads_its_rows_once()
    {
        await pg.ExecuteAsync(_db, "CREATE TABLE once (v text)");
        var crashed = await StartAsync();
        await CreateAsync(crashed, "x", Redshift("once", "JSON 'auto'"));
        var held = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _objects.AfterPut = key =>
        {
            if (!key.StartsWith("stage/manifests/", StringComparison.Ordinal))
            {
                return Task.CompletedTask;
            }
            held.TrySetResult(key);
            return new TaskCompletionSource().Task; // the process "dies" with the manifest stored, before the COPY
        };
        await crashed.PutRecordsAsync("x", Lines("""{"v":"a"}""", """{"v":"b"}"""));
        var manifestKey = await held.Task.WaitAsync(s_wait);
        _objects.AfterPut = null;
        _engines.Remove(crashed);

        var restarted = await StartAsync();
        await DeliveredAsync(restarted, "x", 2);
        AssertRows(await RowsAsync("SELECT v FROM once ORDER BY v"), ["a"], ["b"]);
        Assert.Equal(2, (await _objects.ReadAllAsync("bucket")).Count);
        Assert.Contains(manifestKey, (await _objects.ReadAllAsync("bucket")).Keys);

        // A COPY that committed before the crash (the checkpoint not yet moved) is not run again.
        var config = RedshiftConfiguration.From(JsonNode(Redshift("once", "JSON 'auto'")));
        Assert.Equal(0, await RedshiftLoader.LoadAsync(_objects, config, "bucket", manifestKey, CancellationToken.None));
        Assert.Equal(2, (await RowsAsync("SELECT v FROM once")).Count);
    }

    [Fact]
    public async Task Failures_get_the_Redshift_error_codes()
    {
        await pg.ExecuteAsync(_db, "CREATE TABLE codes (n int)");
        var body = Encoding.UTF8.GetBytes("""{"n":1}""");
        using (var content = new MemoryStream(body))
        {
            await _objects.PutObjectAsync("bucket", "o", content, Core.Objects.ObjectWrite.Default, CancellationToken.None);
        }
        using (var content = new MemoryStream(RedshiftWriter.Manifest(["s3://bucket/o"])))
        {
            await _objects.PutObjectAsync("bucket", "m", content, Core.Objects.ObjectWrite.Default, CancellationToken.None);
        }
        async Task<string> CodeAsync(string configuration, string manifest = "m")
        {
            var e = await Assert.ThrowsAsync<RedshiftLoadException>(() => RedshiftLoader.LoadAsync(_objects, RedshiftConfiguration.From(JsonNode(configuration)), "bucket", manifest, CancellationToken.None));
            return e.ErrorCode;
        }
        Assert.Equal("Redshift.TableNotFound", await CodeAsync(Redshift("nope", "JSON 'auto'")));
        Assert.Equal("Redshift.ColumnNotFound", await CodeAsync(Redshift("codes", "JSON 'auto'", columns: "n,missing")));
        Assert.Equal("Redshift.ConnectionFailed", await CodeAsync(Redshift("codes", "JSON 'auto'", jdbc: "jdbc:postgresql://127.0.0.1:1/dev")));
        Assert.Equal("Redshift.DatabaseNotFound", await CodeAsync(Redshift("codes", "JSON 'auto'", jdbc: pg.JdbcUrl("absent"))));
        Assert.Equal("Redshift.AuthenticationFailed", await CodeAsync(Redshift("codes", "JSON 'auto'").Replace(pg.Password, "wrong-password", StringComparison.Ordinal)));
        Assert.Equal("Redshift.DataLoadFailed", await CodeAsync(Redshift("codes", "CSV")));
        Assert.Equal("Redshift.MissingS3File", await CodeAsync(Redshift("codes", "JSON 'auto'"), manifest: "absent"));
        Assert.Equal(1, await RedshiftLoader.LoadAsync(_objects, RedshiftConfiguration.From(JsonNode(Redshift("codes", "JSON 'auto'"))), "bucket", "m", CancellationToken.None));
    }

    [Theory]
    [InlineData("FIXEDWIDTH 'a:1'", "UNCOMPRESSED")]
    [InlineData("JSON 's3://bucket/paths.json'", "UNCOMPRESSED")]
    [InlineData("TIMEFORMAT 'epochsecs'", "UNCOMPRESSED")]
    [InlineData("CSV JSON 'auto'", "UNCOMPRESSED")]
    [InlineData("LZOP", "UNCOMPRESSED")]
    [InlineData("DELIMITER 'ab'", "UNCOMPRESSED")]
    [InlineData("JSON 'auto' GZIP", "ZIP")]
    [InlineData("JSON 'auto'", "Snappy")]
    [InlineData("JSON 'auto'", "GZIP")]
    [InlineData("JSON 'auto' GZIP", "UNCOMPRESSED")]
    public async Task Configurations_Eddy_cannot_run_are_refused_with_InvalidArgumentException(string copyOptions, string compression)
    {
        var engine = await StartAsync();
        var e = await Assert.ThrowsAsync<FirehoseException>(() => CreateAsync(engine, "no", Redshift("t", copyOptions, compression: compression)));
        Assert.Equal(FirehoseException.InvalidArgument, e.ErrorType);
        Assert.Empty(engine.Snapshot());
    }

    [Fact]
    public async Task Describe_shows_AWS_defaults_and_never_the_password_and_UpdateDestination_checks_too()
    {
        var engine = await StartAsync();
        await CreateAsync(engine, "d", Redshift("t", "JSON 'auto'"));
        var view = await engine.DescribeDeliveryStreamAsync("d");
        Assert.Contains("\"RetryOptions\":{\"DurationInSeconds\":3600}", view.DestinationJson, StringComparison.Ordinal);
        Assert.Contains("\"S3BackupMode\":\"Disabled\"", view.DestinationJson, StringComparison.Ordinal);
        Assert.DoesNotContain(pg.Password, view.DestinationJson, StringComparison.Ordinal);
        var e = await Assert.ThrowsAsync<FirehoseException>(() => engine.UpdateDestinationAsync("d", "1", "destinationId-000000000001",
            new DestinationInput("RedshiftDestinationUpdate", """{"CopyCommand":{"DataTableName":"t","CopyOptions":"MAXERROR 10"}}""")).AsTask());
        Assert.Equal(FirehoseException.InvalidArgument, e.ErrorType);
        await engine.UpdateDestinationAsync("d", "1", "destinationId-000000000001",
            new DestinationInput("RedshiftDestinationUpdate", """{"CopyCommand":{"DataTableName":"t2","CopyOptions":"csv"}}"""));
        Assert.Contains("\"DataTableName\":\"t2\"", (await engine.DescribeDeliveryStreamAsync("d")).DestinationJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task S3BackupMode_Enabled_writes_the_source_records_to_the_backup_bucket()
    {
        await pg.ExecuteAsync(_db, "CREATE TABLE b (v text)");
        await _objects.CreateBucketAsync("backup", CancellationToken.None);
        var engine = await StartAsync();
        await CreateAsync(engine, "bk", Redshift("b", "JSON 'auto'", extra: """
            "S3BackupMode":"Enabled","S3BackupConfiguration":{"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::backup","Prefix":"src/"},
            """));
        await engine.PutRecordsAsync("bk", Lines("""{"v":"kept"}"""));
        await DeliveredAsync(engine, "bk", 1);
        AssertRows(await RowsAsync("SELECT v FROM b"), ["kept"]);
        var (key, data) = Assert.Single(await _objects.ReadAllAsync("backup"));
        Assert.StartsWith("src/2026/03/04/05/bk-1-", key, StringComparison.Ordinal);
        Assert.Equal("{\"v\":\"kept\"}\n", Encoding.UTF8.GetString(data));
    }

    private static void AssertRows(IReadOnlyList<string?[]> actual, params string?[][] expected)
    {
        static string Show(IEnumerable<string?[]> rows) => string.Join("\n", rows.Select(r => "[" + string.Join(", ", r.Select(v => v is null ? "NULL" : $"'{v}'")) + "]"));
        Assert.Equal(Show(expected), Show(actual));
    }

    private static JsonObject JsonNode(string json) => System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();

    [GeneratedRegex("^stage/2026/03/04/05/[a-z]+-1-2026-03-04-05-06-07-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.gz$")]
    private static partial Regex ObjectKey();

    /// <summary>A fake clock that counts the timers made on it, so a test advances it only once the retry's wait is
    /// registered (no race between the test's advance and the loop's wait).</summary>
    private sealed class TimerCountingTime(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private int _timers;

        /// <summary>Timers made so far.</summary>
        public int Timers => Volatile.Read(ref _timers);
        private TaskCompletionSource _created = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            Interlocked.Increment(ref _timers);
            Interlocked.Exchange(ref _created, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return timer;
        }

        /// <summary>Waits until <paramref name="timers"/> timers have been made.</summary>
        public async Task WaitForTimersAsync(int timers, TimeSpan wait)
        {
            using var cancel = new CancellationTokenSource(wait);
            while (true)
            {
                var created = Volatile.Read(ref _created).Task;
                if (Volatile.Read(ref _timers) >= timers)
                {
                    return;
                }
                await created.WaitAsync(cancel.Token);
            }
        }

        /// <summary>Waits until <paramref name="timers"/> timers have been made, then advances the clock by <paramref name="seconds"/>.</summary>
        public async Task AdvanceAfterTimerAsync(int timers, int seconds, TimeSpan wait)
        {
            await WaitForTimersAsync(timers, wait);
            Advance(TimeSpan.FromSeconds(seconds));
        }
    }
}
