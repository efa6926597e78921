using System.Text;
using System.Text.Json;
using Eddy.Catalog;
using Eddy.Core.Firehose;
using Eddy.Objects;
using Eddy.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Eddy.Firehose.Tests;

/// <summary>
/// A fake clock whose short one-shot timers (retry backoffs, ack polls: up to a minute) move the clock to their due time
/// at once, so a retry window of minutes passes in a test deterministically; longer timers and every
/// <see cref="CancellationTokenSource"/> timeout (the 3-minute response timeout, the ack timeout) fire only when the test
/// advances the clock.
/// </summary>
internal sealed class JumpingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    public static readonly TimeSpan Jump = TimeSpan.FromMinutes(1);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (state is not CancellationTokenSource && dueTime > TimeSpan.Zero && dueTime <= Jump && period == Timeout.InfiniteTimeSpan)
        {
            ThreadPool.QueueUserWorkItem(_ => Advance(dueTime));
        }
        return timer;
    }
}

/// <summary>The engine on the memory twins and a <see cref="JumpingTimeProvider"/>, for destinations that deliver over HTTP
/// to a real receiver the test starts; the bucket <c>bucket</c> holds their S3 backup and error output.</summary>
public abstract class HttpEndpointHarness : IAsyncLifetime
{
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly MemoryLogStore _logs;
    private readonly MemoryCatalogStore _catalog = new();
    private readonly List<FirehoseEngine> _engines = [];

    protected HttpEndpointHarness()
    {
        _logs = new MemoryLogStore(Time);
        Objects = new HeldObjectStore(new MemoryObjectStore(Time));
    }

    internal JumpingTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));

    internal HeldObjectStore Objects { get; }

    public virtual Task InitializeAsync() => Objects.CreateBucketAsync("bucket", CancellationToken.None);

    public virtual async Task DisposeAsync()
    {
        foreach (var engine in _engines)
        {
            await engine.DisposeAsync();
        }
        await _logs.DisposeAsync();
    }

    internal async Task<FirehoseEngine> StartAsync()
    {
        var engine = new FirehoseEngine(new FirehoseOptions { Time = Time }, _logs, _catalog, Objects);
        _engines.Add(engine);
        await engine.StartAsync();
        return engine;
    }

    /// <summary>The <c>S3Configuration</c> member every test destination has: bucket <c>bucket</c>, prefix <paramref name="prefix"/>.</summary>
    protected static string S3Configuration(string prefix) =>
        $$"""{"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::bucket","Prefix":"{{prefix}}"}""";

    internal static Task CreateAsync(FirehoseEngine engine, string name, DestinationInput destination) =>
        engine.CreateDeliveryStreamAsync(new CreateDeliveryStreamInput(name, null, null, null, [destination], [])).AsTask();

    internal static ReadOnlyMemory<byte>[] Lines(params string[] lines) => [.. lines.Select(l => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(l))];

    /// <summary>Waits until a flush of <paramref name="records"/> records is done (delivered or given up on).</summary>
    internal static Task FlushedAsync(FirehoseEngine engine, string name, long records) =>
        engine.WaitForMetricsAsync(name, m => m.DeliveryRecords + m.ProcessingFailedRecords >= records, CancellationToken.None).WaitAsync(Wait);

    /// <summary>The objects of <c>bucket</c> whose key starts with <paramref name="prefix"/>.</summary>
    internal async Task<List<KeyValuePair<string, byte[]>>> ObjectsAsync(string prefix) =>
        [.. (await Objects.ReadAllAsync("bucket")).Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal))];

    /// <summary>The JSON lines of an error object.</summary>
    internal static List<JsonElement> ErrorLines(byte[] content) =>
        [.. Encoding.UTF8.GetString(content).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
}
