using BenchmarkDotNet.Attributes;
using Eddy.Benchmarks.Fixtures;
using Eddy.Storage;

namespace Eddy.Benchmarks.Storage;

/// <summary>
/// Appending one PutRecords-sized batch (500 × 1 KiB payloads by default) to a shard log through
/// <see cref="IShardLog.AppendAsync"/>, for the in-memory store and the file store with both fsync policies.
/// One operation = one batch (one group commit when alone; <see cref="AppendConcurrent4"/> has four appenders
/// racing so group commit can merge them, and reports the time per batch).
/// </summary>
/// <remarks>
/// To keep disk and memory bounded over the many iterations BenchmarkDotNet runs, the benchmark moves to a fresh log
/// every <see cref="RotateBytes"/> of payload and deletes the previous one; that cost (once per 128 batches with the
/// defaults, comparable to a segment roll) is part of the measurement.
/// </remarks>
[MemoryDiagnoser]
public class AppendBenchmarks
{
    public const long RotateBytes = 64L * 1024 * 1024;

    private ILogStore _store = null!;
    private IShardLog _log = null!;
    private ReadOnlyMemory<byte>[] _batch = null!;
    private ReadOnlyMemory<byte>[][] _batches = null!;
    private string _directory = null!;
    private long _bytesInLog;
    private int _generation;

    [Params(StoreKind.Memory, StoreKind.FileFsyncAlways, StoreKind.FileFsyncInterval)]
    public StoreKind Store { get; set; }

    [Params(500)]
    public int BatchRecords { get; set; }

    [Params(1024)]
    public int RecordSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "eddy-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _store = LogStoreFactory.Create(Store, _directory);
        KinesisPayloads p = KinesisPayloads.Get(BatchRecords, RecordSize);
        _batch = p.DataMemory;
        _batches = [.. Enumerable.Range(0, 4).Select(_ => p.DataMemory.ToArray())];
        _log = _store.Open(LogIdFor(_generation));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Benchmark]
    public async Task<long> AppendBatch()
    {
        await RotateIfNeededAsync(1);
        AppendResult result = await _log.AppendAsync(_batch);
        return result.FirstOffset;
    }

    /// <summary>Four concurrent appenders to the same log; time is per batch.</summary>
    [Benchmark(OperationsPerInvoke = 4)]
    public async Task<long> AppendConcurrent4()
    {
        await RotateIfNeededAsync(4);
        ValueTask<AppendResult> a = _log.AppendAsync(_batches[0]);
        ValueTask<AppendResult> b = _log.AppendAsync(_batches[1]);
        ValueTask<AppendResult> c = _log.AppendAsync(_batches[2]);
        ValueTask<AppendResult> d = _log.AppendAsync(_batches[3]);
        return (await a).FirstOffset + (await b).FirstOffset + (await c).FirstOffset + (await d).FirstOffset;
    }

    private async ValueTask RotateIfNeededAsync(int batches)
    {
        _bytesInLog += (long)batches * BatchRecords * RecordSize;
        if (_bytesInLog < RotateBytes)
        {
            return;
        }

        string old = _log.Id;
        _log = _store.Open(LogIdFor(++_generation));
        _bytesInLog = (long)batches * BatchRecords * RecordSize;
        await _store.DeleteAsync(old);
    }

    private static string LogIdFor(int generation) => "bench-shard-" + generation;
}
