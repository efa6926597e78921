using System.Buffers;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Eddy.Benchmarks.Fixtures;
using Eddy.Core;
using Eddy.Server.Kinesis;
using GetRecordsHandler = Eddy.Server.Kinesis.Handlers.GetRecords;

namespace Eddy.Benchmarks.Codec;

/// <summary>
/// The server's own hot-path codecs on the same data as the System.Text.Json baselines in
/// <see cref="PutRecordsCodecBenchmarks"/> and <see cref="GetRecordsCodecBenchmarks"/>:
/// <c>PutRecordsReader.TryParse</c> (which also validates every member and MD5-hashes each partition key) and the
/// GetRecords answer encoder <c>Handlers.GetRecords.Write</c>.
/// </summary>
[MemoryDiagnoser]
public class ServerCodecBenchmarks
{
    private KinesisPayloads _p = null!;
    private ReadOnlyMemory<byte> _putBody;
    private byte[] _data = null!;
    private GetRecordsResult _getResult = null!;
    private ArrayBufferWriter<byte> _output = null!;

    [Params(500)]
    public int Records { get; set; }

    [Params(1024)]
    public int RecordSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _p = KinesisPayloads.Get(Records, RecordSize);
        _putBody = _p.PutRecordsBody;
        _data = new byte[(_p.PutRecordsBody.Length * 3 / 4) + 16];
        var records = new ReadRecord[Records];
        for (int i = 0; i < Records; i++)
        {
            records[i] = new ReadRecord(_p.SequenceNumbers[i], 1_735_689_600_123 + i, Encoding.UTF8.GetBytes(_p.PartitionKeys[i]), _p.Data[i], false);
        }

        _getResult = new GetRecordsResult(records, KinesisPayloads.Iterator, 0, null);
        _output = new ArrayBufferWriter<byte>(_p.GetRecordsBody.Length + 4096);
        if (!PutRecordsReader.TryParse(_putBody, many: true, _data, new ParsedPut()))
        {
            throw new InvalidOperationException("PutRecordsReader rejected the fixture body");
        }
    }

    /// <summary>Server PutRecords decode + validation + partition-key MD5, as done per request (fresh <c>ParsedPut</c>).</summary>
    [Benchmark]
    public int PutRecordsReaderTryParse()
    {
        var parsed = new ParsedPut();
        if (!PutRecordsReader.TryParse(_putBody, many: true, _data, parsed))
        {
            throw new InvalidOperationException("rejected");
        }

        return parsed.Entries.Count;
    }

    /// <summary>Server GetRecords answer for 500 records, with the writer options the server uses.</summary>
    [Benchmark]
    public int GetRecordsWrite()
    {
        _output.ResetWrittenCount();
        using (var w = new Utf8JsonWriter(_output, new JsonWriterOptions { SkipValidation = true }))
        {
            GetRecordsHandler.Write(w, _getResult);
        }

        return _output.WrittenCount;
    }
}
