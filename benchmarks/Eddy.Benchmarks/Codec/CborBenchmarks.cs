using System.Buffers;
using System.Formats.Cbor;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Eddy.Benchmarks.Fixtures;
using Eddy.Protocol.Cbor;
using HandWrittenCborJson = Eddy.Protocol.Cbor.HandWritten.HandWrittenCborJson;
using Eddy.Protocol.Model;

namespace Eddy.Benchmarks.Codec;

/// <summary>
/// The CBOR↔JSON transcoder (<see cref="CborJson"/>, over System.Formats.Cbor's reader and writer) against the
/// hand-written one it replaced, on the two hot paths of a Java SDK client: a 500 × 1 KiB PutRecords request as
/// the SDK sends it (CBOR → JSON) and a 10000 × 1 KiB GetRecords answer as the handler writes it (JSON → CBOR).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class CborBenchmarks
{
    private static readonly Shape s_putRecordsInput = ServiceModel.Kinesis.Operations["PutRecords"].Input!;
    private static readonly Shape s_getRecordsOutput = ServiceModel.Kinesis.Operations["GetRecords"].Output!;

    private byte[] _putRecordsCbor = null!;
    private byte[] _getRecordsJson = null!;
    private ArrayBufferWriter<byte> _output = null!;

    [GlobalSetup]
    public void Setup()
    {
        _putRecordsCbor = PutRecordsAsJavaSendsIt(KinesisPayloads.Get(500, 1024));
        _getRecordsJson = GetRecordsAsTheHandlerWritesIt(KinesisPayloads.Get(10_000, 1024));
        _output = new ArrayBufferWriter<byte>(_getRecordsJson.Length);

        // Both transcoders give the same bytes, or the comparison is void.
        var a = new ArrayBufferWriter<byte>();
        var b = new ArrayBufferWriter<byte>();
        HandWrittenCborJson.ToJson(_putRecordsCbor, s_putRecordsInput, a);
        CborJson.ToJson(_putRecordsCbor, s_putRecordsInput, b);
        HandWrittenCborJson.ToCbor(_getRecordsJson, s_getRecordsOutput, a);
        CborJson.ToCbor(_getRecordsJson, s_getRecordsOutput, b);
        if (!a.WrittenSpan.SequenceEqual(b.WrittenSpan))
        {
            throw new InvalidOperationException("The transcoders disagree.");
        }
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("PutRecords CBOR→JSON")]
    public int PutRecordsHandWritten()
    {
        _output.ResetWrittenCount();
        HandWrittenCborJson.ToJson(_putRecordsCbor, s_putRecordsInput, _output);
        return _output.WrittenCount;
    }

    [Benchmark]
    [BenchmarkCategory("PutRecords CBOR→JSON")]
    public int PutRecordsSystemFormatsCbor()
    {
        _output.ResetWrittenCount();
        CborJson.ToJson(_putRecordsCbor, s_putRecordsInput, _output);
        return _output.WrittenCount;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("GetRecords JSON→CBOR")]
    public int GetRecordsHandWritten()
    {
        _output.ResetWrittenCount();
        HandWrittenCborJson.ToCbor(_getRecordsJson, s_getRecordsOutput, _output);
        return _output.WrittenCount;
    }

    [Benchmark]
    [BenchmarkCategory("GetRecords JSON→CBOR")]
    public int GetRecordsSystemFormatsCbor()
    {
        _output.ResetWrittenCount();
        CborJson.ToCbor(_getRecordsJson, s_getRecordsOutput, _output);
        return _output.WrittenCount;
    }

    /// <summary>Jackson's layout: every structure an indefinite-length map, every list an indefinite-length array.</summary>
    private static byte[] PutRecordsAsJavaSendsIt(KinesisPayloads p)
    {
        var w = new CborWriter(CborConformanceMode.Lax);
        w.WriteStartMap(null);
        w.WriteTextString("StreamName");
        w.WriteTextString(KinesisPayloads.StreamName);
        w.WriteTextString("Records");
        w.WriteStartArray(null);
        for (var i = 0; i < p.Data.Length; i++)
        {
            w.WriteStartMap(null);
            w.WriteTextString("Data");
            w.WriteByteString(p.Data[i]);
            w.WriteTextString("PartitionKey");
            w.WriteTextString(p.PartitionKeys[i]);
            w.WriteEndMap();
        }

        w.WriteEndArray();
        w.WriteEndMap();
        return w.Encode();
    }

    /// <summary>As <c>Call.Records</c> writes it: default escaping (so '+' in base64 is <c>\u002B</c>), seconds with millis.</summary>
    private static byte[] GetRecordsAsTheHandlerWritesIt(KinesisPayloads p)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("Records");
            for (var i = 0; i < p.Data.Length; i++)
            {
                w.WriteStartObject();
                w.WriteString("SequenceNumber", p.SequenceNumbers[i]);
                w.WriteNumber("ApproximateArrivalTimestamp", (1_735_689_600_123L + i) / 1000m);
                w.WriteBase64String("Data", p.Data[i]);
                w.WriteString("PartitionKey", p.PartitionKeys[i]);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteString("NextShardIterator", KinesisPayloads.Iterator);
            w.WriteNumber("MillisBehindLatest", 0);
            w.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }
}
