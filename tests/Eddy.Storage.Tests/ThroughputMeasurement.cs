using System.Diagnostics;
using Xunit.Abstractions;

namespace Eddy.Storage.Tests;

/// <summary>
/// Manual append-throughput measurement, off unless <c>EDDY_STORAGE_THROUGHPUT=1</c> (it writes ~1 GiB per policy):
/// <c>EDDY_STORAGE_THROUGHPUT=1 dotnet test tests/Eddy.Storage.Tests --filter ThroughputMeasurement --logger "console;verbosity=detailed"</c>.
/// Four logs written concurrently, each by several appenders sending PutRecords-sized batches of 1 KiB records.
/// Prints MiB/s; asserts only that every record landed.
/// </summary>
public sealed class ThroughputMeasurement(ITestOutputHelper output)
{
    [Theory]
    [InlineData(FsyncPolicy.Always)]
    [InlineData(FsyncPolicy.Interval)]
    public async Task FourLogs_1KiBRecords(FsyncPolicy policy)
    {
        if (Environment.GetEnvironmentVariable("EDDY_STORAGE_THROUGHPUT") != "1")
        {
            output.WriteLine("Skipped: set EDDY_STORAGE_THROUGHPUT=1 to measure.");
            return;
        }

        const int Logs = 4, AppendersPerLog = 8, BatchRecords = 500, RecordBytes = 1024;
        const long BytesPerLog = 256L * 1024 * 1024;
        int batchesPerAppender = (int)(BytesPerLog / AppendersPerLog / (BatchRecords * RecordBytes));

        using var dir = new TempDirectory();
        await using var store = new FileLogStore(new LogStoreOptions { Directory = dir.Path, Fsync = policy });
        var batch = Payloads.Sized(BatchRecords, RecordBytes);
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Logs).SelectMany(l => Enumerable.Range(0, AppendersPerLog).Select(_ => Task.Run(async () =>
        {
            IShardLog log = store.Open($"shard-{l}");
            for (int i = 0; i < batchesPerAppender; i++)
            {
                await log.AppendAsync(batch);
            }
        }))));
        clock.Stop();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        long records = (long)Logs * AppendersPerLog * batchesPerAppender * BatchRecords;
        for (int l = 0; l < Logs; l++)
        {
            Assert.Equal(records / Logs, store.Open($"shard-{l}").EndOffset);
        }

        double mib = records * RecordBytes / (1024.0 * 1024);
        output.WriteLine(
            $"{policy}: {mib:F0} MiB in {clock.Elapsed.TotalSeconds:F2} s = {mib / clock.Elapsed.TotalSeconds:F1} MiB/s, "
            + $"{records / clock.Elapsed.TotalSeconds:F0} records/s, {allocated / (double)records:F1} bytes allocated per record");
    }
}
