using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Eddy.Benchmarks.Fixtures;
using Eddy.Protocol.Cbor;
using Eddy.Protocol.Model;

namespace Eddy.Benchmarks.Codec;

/// <summary>
/// The CBOR↔JSON transcoder (<see cref="CborJson"/>, on its own CBOR reader and writer) on the two hot paths of a Java
/// SDK client: a 500 × 1 KiB PutRecords request as the SDK sends it (CBOR → JSON) and a 10000 × 1 KiB GetRecords answer
/// as the handler writes it (JSON → CBOR). docs/benchmarks.md compares it with a transcoder on System.Formats.Cbor.
/// </summary>
[MemoryDiagnoser]
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
    }

    [Benchmark]
    public int PutRecordsToJson()
    {
        _output.ResetWrittenCount();
        CborJson.ToJson(_putRecordsCbor, s_putRecordsInput, _output);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int GetRecordsToCbor()
    {
        _output.ResetWrittenCount();
        CborJson.ToCbor(_getRecordsJson, s_getRecordsOutput, _output);
        return _output.WrittenCount;
    }

    /// <summary>Jackson's layout: every structure an indefinite-length map, every list an indefinite-length array.</summary>
    private static byte[] PutRecordsAsJavaSendsIt(KinesisPayloads p)
    {
        var w = new ArrayBufferWriter<byte>();
        w.Write<byte>([0xBF]);
        Text(w, "StreamName");
        Text(w, KinesisPayloads.StreamName);
        Text(w, "Records");
        w.Write<byte>([0x9F]);
        for (var i = 0; i < p.Data.Length; i++)
        {
            w.Write<byte>([0xBF]);
            Text(w, "Data");
            Head(w, 2, p.Data[i].Length);
            w.Write(p.Data[i]);
            Text(w, "PartitionKey");
            Text(w, p.PartitionKeys[i]);
            w.Write<byte>([0xFF]);
        }

        w.Write<byte>([0xFF, 0xFF]);
        return w.WrittenSpan.ToArray();
    }

    private static void Text(ArrayBufferWriter<byte> w, string text)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        Head(w, 3, utf8.Length);
        w.Write(utf8);
    }

    /// <summary>A CBOR head with the shortest argument (lengths up to 65535 here).</summary>
    private static void Head(ArrayBufferWriter<byte> w, int major, int length)
    {
        var m = (byte)(major << 5);
        if (length < 24)
        {
            w.Write<byte>([(byte)(m | length)]);
        }
        else if (length <= byte.MaxValue)
        {
            w.Write<byte>([(byte)(m | 24), (byte)length]);
        }
        else
        {
            Span<byte> head = [(byte)(m | 25), 0, 0];
            BinaryPrimitives.WriteUInt16BigEndian(head[1..], checked((ushort)length));
            w.Write(head);
        }
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
