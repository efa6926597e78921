using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Eddy.Benchmarks.Fixtures;

namespace Eddy.Benchmarks.Codec;

/// <summary>
/// Baseline cost of the PutRecords wire body with the plain System.Text.Json primitives: encoding it
/// (Utf8JsonWriter + base64) and decoding it (Utf8JsonReader + base64) — what the server's own decoder must beat.
/// </summary>
[MemoryDiagnoser]
public class PutRecordsCodecBenchmarks
{
    private KinesisPayloads _p = null!;
    private ArrayBufferWriter<byte> _output = null!;
    private byte[] _arena = null!;
    private int[] _offsets = null!;

    [Params(500)]
    public int Records { get; set; }

    [Params(1024)]
    public int RecordSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _p = KinesisPayloads.Get(Records, RecordSize);
        _output = new ArrayBufferWriter<byte>(_p.PutRecordsBody.Length + 1024);
        _arena = new byte[_p.TotalDataBytes];
        _offsets = new int[Records + 1];
    }

    /// <summary>Client side: build the request body (what Eddy.Load avoids by pre-encoding).</summary>
    [Benchmark]
    public int EncodeUtf8JsonWriter()
    {
        _output.ResetWrittenCount();
        return KinesisPayloads.WritePutRecords(_p, _output).WrittenCount;
    }

    /// <summary>Server side, naive: one byte[] per record from <see cref="Utf8JsonReader.GetBytesFromBase64"/> and a string per key.</summary>
    [Benchmark(Baseline = true)]
    public int DecodeGetBytesFromBase64()
    {
        var reader = new Utf8JsonReader(_p.PutRecordsBody);
        int records = 0;
        long bytes = 0;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            if (reader.ValueTextEquals("Data"u8))
            {
                reader.Read();
                bytes += reader.GetBytesFromBase64().Length;
                records++;
            }
            else if (reader.ValueTextEquals("PartitionKey"u8))
            {
                reader.Read();
                bytes += reader.GetString()!.Length;
            }
        }

        return records + (int)(bytes & 1);
    }

    /// <summary>Server side, lean: base64 decoded straight into one arena, partition keys left as UTF-8 spans.</summary>
    [Benchmark]
    public int DecodeIntoArena()
    {
        var reader = new Utf8JsonReader(_p.PutRecordsBody);
        int records = 0;
        int position = 0;
        int keyBytes = 0;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            if (reader.ValueTextEquals("Data"u8))
            {
                reader.Read();
                ReadOnlySpan<byte> b64 = reader.ValueSpan;
                if (Base64.DecodeFromUtf8(b64, _arena.AsSpan(position), out _, out int written) != OperationStatus.Done)
                {
                    throw new InvalidDataException("bad base64");
                }

                position += written;
                _offsets[++records] = position;
            }
            else if (reader.ValueTextEquals("PartitionKey"u8))
            {
                reader.Read();
                keyBytes += reader.ValueSpan.Length;
            }
        }

        return records + keyBytes;
    }
}
