using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Eddy.Benchmarks.Fixtures;

namespace Eddy.Benchmarks.Codec;

/// <summary>
/// Baseline cost of the GetRecords answer with plain System.Text.Json primitives: encoding it (server side) and
/// decoding it (client side) — the reference for the server's own GetRecords encoder.
/// </summary>
[MemoryDiagnoser]
public class GetRecordsCodecBenchmarks
{
    private KinesisPayloads _p = null!;
    private ArrayBufferWriter<byte> _output = null!;
    private byte[] _scratch = null!;

    [Params(500)]
    public int Records { get; set; }

    [Params(1024)]
    public int RecordSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _p = KinesisPayloads.Get(Records, RecordSize);
        _output = new ArrayBufferWriter<byte>(_p.GetRecordsBody.Length + 1024);
        _scratch = new byte[RecordSize + 16];
    }

    /// <summary>Server side: write the answer with Utf8JsonWriter (base64 of each Data).</summary>
    [Benchmark(Baseline = true)]
    public int EncodeUtf8JsonWriter()
    {
        _output.ResetWrittenCount();
        return KinesisPayloads.WriteGetRecords(_p, _output).WrittenCount;
    }

    /// <summary>Client side: read it with Utf8JsonReader, decoding each Data into a reused buffer.</summary>
    [Benchmark]
    public int DecodeUtf8JsonReader()
    {
        var reader = new Utf8JsonReader(_p.GetRecordsBody);
        int records = 0;
        long bytes = 0;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("Data"u8))
            {
                reader.Read();
                if (Base64.DecodeFromUtf8(reader.ValueSpan, _scratch, out _, out int written) != OperationStatus.Done)
                {
                    throw new InvalidDataException("bad base64");
                }

                bytes += written;
                records++;
            }
        }

        return records + (int)(bytes & 1);
    }
}
