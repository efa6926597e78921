using System.Collections.Concurrent;
using System.Text.Json;
using Eddy.Testing;
using Xunit.Abstractions;

namespace Eddy.Server.Tests;

/// <summary>Firehose to OpenSearch across a crash: PutRecordBatch under load, kill -9, restart; every acknowledged
/// record is indexed by the <c>_bulk</c> receiver (Kestrel in the test process), and none twice: a flush redone after
/// the restart carries the same document ids, so the receiver overwrites instead of adding copies.</summary>
public sealed class FirehoseSearchDurabilityTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "eddy-fhos-" + Guid.NewGuid().ToString("N")[..12]);
    private OpenSearchReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await OpenSearchReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Kill_9_under_PutRecordBatch_load_indexes_every_acknowledged_record_exactly_once()
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { DataDir = _dataDir, StateDelayMs = 0 });
        var configuration = JsonSerializer.Serialize(new
        {
            RoleARN = "arn:aws:iam::000000000000:role/firehose",
            ClusterEndpoint = _receiver.Endpoint,
            IndexName = "crash",
            IndexRotationPeriod = "NoRotation",
            BufferingHints = new { SizeInMBs = 1, IntervalInSeconds = 0 },
            S3Configuration = new { RoleARN = "arn:aws:iam::000000000000:role/firehose", BucketARN = "arn:aws:s3:::crash-failed" },
        });
        var created = await ToolRunner.RunAsync("aws", ["firehose", "create-delivery-stream", "--delivery-stream-name", "crash",
            "--amazonopensearchservice-destination-configuration", configuration, "--endpoint-url", server.Endpoint.ToString().TrimEnd('/')]);
        Assert.True(created.Succeeded, created.Describe());

        var acks = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 4).Select(_ => FirehoseDurabilityTests.Client(server.Endpoint)).ToList();
        var producers = clients.Select((c, p) => Task.Run(() => FirehoseDurabilityTests.ProduceAsync(c, p, acks, stop.Token,
            (producer, i) => $"{{\"p\":{producer},\"i\":{i},\"pad\":\"{new string('x', 100)}\"}}"))).ToArray();
        await _receiver.WaitAsync(r => r.DocumentCount >= 2_000 || acks.Count >= 10_000, TimeSpan.FromSeconds(60)); // deliveries under way
        server.Kill();
        await stop.CancelAsync();
        await Task.WhenAll(producers);
        clients.ForEach(c => c.Dispose());
        Assert.True(acks.Count > 0, "no record was acknowledged before the kill");

        await server.RestartAsync();
        // SIGTERM: the restarted server flushes everything buffered before it exits. Alone that takes about 3 s; under the
        // whole suite on two cores it once took over the default 15 s, so it gets 60 s.
        Assert.Equal(0, await server.StopAsync(TimeSpan.FromSeconds(60)));

        var documents = _receiver.Documents;
        var counts = documents.Values.GroupBy(d => d, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        Assert.Empty(counts.Where(c => c.Value > 1).Select(c => c.Key).Take(5)); // nothing indexed twice under different ids
        Assert.Empty(acks.Where(a => !counts.ContainsKey(a)).Take(5)); // nothing acknowledged lost
        Assert.Empty(_receiver.Violations);
        var sent = _receiver.Requests.Sum(r => r.Items.Count);
        output.WriteLine($"{acks.Count} records acknowledged before the kill, {documents.Count} indexed (each once) from {sent} items in {_receiver.Requests.Count} bulk requests");
    }
}
