using System.Diagnostics;
using System.Globalization;
using Eddy.Client;
using Eddy.Client.Kinesis;
using Eddy.Producer;

namespace Eddy.ProducerLoad;

/// <summary>
/// Producer throughput from one .NET process: <c>Eddy.ProducerLoad --endpoint URL [--records N] [--size B] [--shards S]
/// [--keys K] [--rate-limit P] [--http2]</c> creates a stream of S shards, then adds N user records of B bytes (K
/// distinct partition keys) through one <see cref="KinesisProducer"/> as fast as its buffer takes them, flushes, and
/// prints user records/s, MiB/s of user data, Kinesis records and PutRecords calls. Bounded: it stops after N records,
/// and exits 1 if any record failed.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var endpoint = new Uri(Arg(args, "--endpoint") ?? "http://127.0.0.1:4567/");
        var records = int.Parse(Arg(args, "--records") ?? "2000000", CultureInfo.InvariantCulture);
        var size = int.Parse(Arg(args, "--size") ?? "100", CultureInfo.InvariantCulture);
        var shards = int.Parse(Arg(args, "--shards") ?? "64", CultureInfo.InvariantCulture);
        var keys = int.Parse(Arg(args, "--keys") ?? "100000", CultureInfo.InvariantCulture);
        var rateLimit = int.Parse(Arg(args, "--rate-limit") ?? "150", CultureInfo.InvariantCulture);
        var http2 = args.Contains("--http2");
        var stream = "producer-load-" + Guid.NewGuid().ToString("N")[..8];

        using var client = new KinesisClient(new EddyClientOptions
        {
            Endpoint = endpoint,
            HttpVersion = http2 ? System.Net.HttpVersion.Version20 : System.Net.HttpVersion.Version11,
        });
        if (!args.Contains("--no-server")) await client.CreateStreamAsync(new CreateStreamRequest { StreamName = stream, ShardCount = shards });
        for (var i = 0; i < 600 && !args.Contains("--no-server"); i++)
        {
            var summary = await client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = stream });
            if (summary.StreamDescriptionSummary.StreamStatus == "ACTIVE") break;
            await Task.Delay(100);
        }

        var partitionKeys = Enumerable.Range(0, keys).Select(i => "pk-" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var payload = new byte[size];
        Random.Shared.NextBytes(payload);
        long kinesisRecords = 0, calls = 0, failed = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == KinesisProducer.MeterName && instrument.Name is "eddy.producer.kinesis_records_put" or "eddy.producer.errors") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "eddy.producer.errors")
            {
                Interlocked.Add(ref failed, value);
                return;
            }
            Interlocked.Add(ref kinesisRecords, value);
            Interlocked.Increment(ref calls);
        });
        listener.Start();

        var options = new ProducerOptions { RateLimit = rateLimit, MaxBufferedRecords = 200_000, MaxBufferedBytes = 256L * 1024 * 1024 };
        var clock = Stopwatch.StartNew();
        var cpu = TimeSpan.Zero;
        var fake = args.Contains("--no-server");
        await using (var producer = fake ? new KinesisProducer(new StoreEverything(shards), options) : new KinesisProducer(client, options))
        {
            await producer.LoadShardMapAsync(stream);
            clock.Restart();
            cpu = Process.GetCurrentProcess().TotalProcessorTime;
            // the outcome of each record is counted by the meter (errors); the loop only waits for room in the buffer
            for (var i = 0; i < records; i++)
            {
                await producer.BufferUserRecordAsync(stream, partitionKeys[i % keys], payload);
            }
            await producer.FlushAsync();
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;

        Console.WriteLine($"stream {stream}: {shards} shards, {records:N0} user records of {size} B, {keys:N0} partition keys, RateLimit {rateLimit}%, HTTP/{(http2 ? "2" : "1.1")}");
        Console.WriteLine($"{records / seconds:N0} user records/s, {records * (double)size / seconds / (1024 * 1024):N1} MiB/s of user data in {seconds:N2} s");
        Console.WriteLine($"producer process CPU: {cpuSeconds:N2} s ({records / cpuSeconds:N0} user records per CPU second; on {Environment.ProcessorCount} cores)");
        Console.WriteLine($"{kinesisRecords:N0} Kinesis records ({records / (double)Math.Max(1, kinesisRecords):N1} user records each) in {calls:N0} PutRecords calls; {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>--no-server: an <see cref="IProducerKinesis"/> that stores everything at once, to measure the producer alone.</summary>
    private sealed class StoreEverything(int shards) : IProducerKinesis
    {
        private long _sequence;

        public Task<ListShardsResponse> ListShardsAsync(ListShardsRequest request, CancellationToken cancellationToken)
        {
            var width = UInt128.MaxValue / (UInt128)shards;
            return Task.FromResult(new ListShardsResponse
            {
                Shards = [.. Enumerable.Range(0, shards).Select(i => new Shard
                {
                    ShardId = $"shardId-{i:D12}",
                    HashKeyRange = new HashKeyRange
                    {
                        StartingHashKey = (width * (UInt128)i).ToString(CultureInfo.InvariantCulture),
                        EndingHashKey = (i == shards - 1 ? UInt128.MaxValue : width * (UInt128)(i + 1) - 1).ToString(CultureInfo.InvariantCulture),
                    },
                    SequenceNumberRange = new SequenceNumberRange { StartingSequenceNumber = "0" },
                })],
            });
        }

        public Task<PutRecordsResponse> PutRecordsAsync(PutRecordsRequest request, CancellationToken cancellationToken)
        {
            var width = UInt128.MaxValue / (UInt128)shards;
            return Task.FromResult(new PutRecordsResponse
            {
                Records = [.. request.Records.Select(e => new PutRecordsResultEntry
                {
                    ShardId = $"shardId-{(int)UInt128.Min((UInt128)(shards - 1), UInt128.Parse(e.ExplicitHashKey!, CultureInfo.InvariantCulture) / width):D12}",
                    SequenceNumber = Interlocked.Increment(ref _sequence).ToString(CultureInfo.InvariantCulture),
                })],
            });
        }
    }

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
