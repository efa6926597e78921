using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using Eddy.Client;
using Eddy.Client.Firehose;
using Eddy.Objects;
using Eddy.Testing;
using Xunit.Abstractions;

namespace Eddy.Server.Tests;

/// <summary>Firehose crash consistency over the wire: PutRecordBatch under load, kill -9, restart; every acknowledged
/// record is delivered to the bucket exactly once (objects read back from the embedded store and decompressed).</summary>
public sealed class FirehoseDurabilityTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Bucket = "crash-bucket";
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "eddy-fh-" + Guid.NewGuid().ToString("N")[..12]);

    public async Task InitializeAsync()
    {
        // The bucket exists before the server starts (the S3 API that would make it is another service).
        var objects = FileObjectStore.Open(Path.Combine(_dataDir, "s3"));
        await objects.CreateBucketAsync(Bucket, CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        return Task.CompletedTask;
    }

    internal static FirehoseClient Client(Uri endpoint) => new(new EddyClientOptions
    {
        Endpoint = endpoint,
        Credentials = new AwsCredentials("test", "test"),
        Retry = new Eddy.Client.Retries.RetryOptions { MaxAttempts = 1 }, // a retried append could store a batch twice
    });

    /// <summary>Puts batches of unique lines (<paramref name="text"/> of producer and index, default <c>p{producer}-{i}-xxx...</c>)
    /// to the delivery stream <c>crash</c> until stopped; the lines of every acknowledged batch go into <paramref name="acks"/>.</summary>
    internal static async Task ProduceAsync(FirehoseClient client, int producer, ConcurrentBag<string> acks, CancellationToken stop, Func<int, int, string>? text = null)
    {
        text ??= (p, i) => $"p{p}-{i}-{new string('x', 100)}";
        var n = 0;
        while (!stop.IsCancellationRequested)
        {
            var lines = Enumerable.Range(n, 500).Select(i => text(producer, i)).ToList();
            n += lines.Count;
            try
            {
                var response = await client.PutRecordBatchAsync(new PutRecordBatchRequest
                {
                    DeliveryStreamName = "crash",
                    Records = [.. lines.Select(l => new FirehoseRecord(Encoding.ASCII.GetBytes(l + "\n")))],
                }, CancellationToken.None);
                Assert.Equal(0, response.FailedPutCount);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or EddyServiceException)
            {
                return; // the server went away: this batch was never acknowledged
            }
            foreach (var line in lines)
            {
                acks.Add(line);
            }
        }
    }

    [Fact]
    public async Task Kill_9_under_PutRecordBatch_load_delivers_every_acknowledged_record_exactly_once()
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { DataDir = _dataDir, StateDelayMs = 0 });
        using (var admin = Client(server.Endpoint))
        {
            await admin.CreateDeliveryStreamAsync(new CreateDeliveryStreamRequest
            {
                DeliveryStreamName = "crash",
                ExtendedS3DestinationConfiguration = new ExtendedS3DestinationConfiguration
                {
                    RoleARN = "arn:aws:iam::000000000000:role/firehose",
                    BucketARN = "arn:aws:s3:::" + Bucket,
                    Prefix = "out/",
                    BufferingHints = new BufferingHints(1, 0),
                    CompressionFormat = "GZIP",
                },
            });
        }

        var acks = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 4).Select(_ => Client(server.Endpoint)).ToList();
        var producers = clients.Select((c, p) => Task.Run(() => ProduceAsync(c, p, acks, stop.Token))).ToArray();
        for (var i = 0; i < 500 && acks.Count < 40_000; i++)
        {
            await Task.Delay(10);
        }
        server.Kill();
        await stop.CancelAsync();
        await Task.WhenAll(producers);
        clients.ForEach(c => c.Dispose());
        Assert.True(acks.Count > 0, "no record was acknowledged before the kill");

        await server.RestartAsync();
        // SIGTERM: the restarted server flushes everything buffered before it exits. Alone that takes about 3 s; under the
        // whole suite on two cores it once took over the default 15 s, so it gets 60 s.
        Assert.Equal(0, await server.StopAsync(TimeSpan.FromSeconds(60)));

        var delivered = await ReadDeliveredLinesAsync();
        var counts = delivered.GroupBy(l => l, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        Assert.Empty(counts.Where(c => c.Value > 1).Select(c => c.Key).Take(5)); // nothing twice, acknowledged or not
        Assert.Empty(acks.Where(a => !counts.ContainsKey(a)).Take(5)); // nothing acknowledged lost
        output.WriteLine($"{acks.Count} records acknowledged before the kill, {counts.Count} delivered (each once)");
    }

    private async Task<List<string>> ReadDeliveredLinesAsync()
    {
        var objects = FileObjectStore.Open(Path.Combine(_dataDir, "s3"));
        var lines = new List<string>();
        string? after = null;
        while (true)
        {
            var page = await objects.ListObjectsAsync(Bucket, "out/", null, after, 1000, CancellationToken.None);
            foreach (var info in page.Objects)
            {
                Assert.EndsWith(".gz", info.Key, StringComparison.Ordinal);
                await using var content = (await objects.GetObjectAsync(Bucket, info.Key, null, CancellationToken.None))!;
                using var gzip = new GZipStream(content.Content, CompressionMode.Decompress);
                using var reader = new StreamReader(gzip, Encoding.ASCII);
                var text = await reader.ReadToEndAsync();
                Assert.EndsWith("\n", text, StringComparison.Ordinal);
                lines.AddRange(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            }
            if (!page.IsTruncated)
            {
                return lines;
            }
            after = page.NextStartAfter;
        }
    }
}
