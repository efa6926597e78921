using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Eddy.Benchmarks.Fixtures;

/// <summary>
/// Deterministic sample data shared by the codec benchmarks: records (Data + PartitionKey) and the wire bodies of a
/// PutRecords request and a GetRecords answer carrying them. Built once per (count, size); cached.
/// </summary>
public sealed class KinesisPayloads
{
    public const string StreamName = "bench-stream";
    public const string Iterator = "AAAAAAAAAAHsW8zCWf9164uy8Epue6WS3w6wmj5a+CHnzXC1A/dzXq3emp4M3N4Xc0beyvW2IFoUWx/pQqB7H7hIfN3kYlw3gv6trw0CrMpy4c9NSbU7a1QoPTzl8MMjE8HWXa7Q";

    private static readonly Dictionary<(int, int), KinesisPayloads> s_cache = [];
    private static readonly BigInteger s_firstSequenceNumber = BigInteger.Parse("49659172051921876073359630856559745603442861731670392834", CultureInfo.InvariantCulture);

    private KinesisPayloads(int count, int size)
    {
        var random = new Random(20131202);
        Data = new byte[count][];
        PartitionKeys = new string[count];
        SequenceNumbers = new string[count];
        DataMemory = new ReadOnlyMemory<byte>[count];
        for (int i = 0; i < count; i++)
        {
            Data[i] = new byte[size];
            random.NextBytes(Data[i]);
            DataMemory[i] = Data[i];
            PartitionKeys[i] = "pk-" + random.Next(100_000).ToString(CultureInfo.InvariantCulture);
            SequenceNumbers[i] = (s_firstSequenceNumber + i).ToString(CultureInfo.InvariantCulture);
        }

        PutRecordsBody = WritePutRecords(this, new ArrayBufferWriter<byte>()).WrittenSpan.ToArray();
        GetRecordsBody = WriteGetRecords(this, new ArrayBufferWriter<byte>()).WrittenSpan.ToArray();
        TotalDataBytes = (long)count * size;
    }

    public byte[][] Data { get; }

    /// <summary>The same payloads as <see cref="ReadOnlyMemory{T}"/>, as <c>IShardLog.AppendAsync</c> takes them.</summary>
    public ReadOnlyMemory<byte>[] DataMemory { get; }

    public string[] PartitionKeys { get; }

    public string[] SequenceNumbers { get; }

    public long TotalDataBytes { get; }

    /// <summary><c>{"StreamName":..,"Records":[{"Data":"base64","PartitionKey":".."},...]}</c> as UTF-8.</summary>
    public byte[] PutRecordsBody { get; }

    /// <summary><c>{"Records":[{"SequenceNumber","ApproximateArrivalTimestamp","Data","PartitionKey"}...],"NextShardIterator","MillisBehindLatest"}</c>.</summary>
    public byte[] GetRecordsBody { get; }

    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    public static KinesisPayloads Get(int count, int size)
    {
        lock (s_cache)
        {
            if (!s_cache.TryGetValue((count, size), out KinesisPayloads? p))
            {
                p = new KinesisPayloads(count, size);
                s_cache[(count, size)] = p;
            }

            return p;
        }
    }

    /// <summary>Baseline PutRecords request encoder (what a client SDK does), into <paramref name="output"/>.</summary>
    public static ArrayBufferWriter<byte> WritePutRecords(KinesisPayloads p, ArrayBufferWriter<byte> output)
    {
        using var w = new Utf8JsonWriter(output, WriterOptions);
        w.WriteStartObject();
        w.WriteString("StreamName"u8, StreamName);
        w.WriteStartArray("Records"u8);
        for (int i = 0; i < p.Data.Length; i++)
        {
            w.WriteStartObject();
            w.WriteBase64String("Data"u8, p.Data[i]);
            w.WriteString("PartitionKey"u8, p.PartitionKeys[i]);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        return output;
    }

    /// <summary>Baseline GetRecords answer encoder (what the server does), into <paramref name="output"/>.</summary>
    public static ArrayBufferWriter<byte> WriteGetRecords(KinesisPayloads p, ArrayBufferWriter<byte> output)
    {
        using var w = new Utf8JsonWriter(output, WriterOptions);
        w.WriteStartObject();
        w.WriteStartArray("Records"u8);
        for (int i = 0; i < p.Data.Length; i++)
        {
            w.WriteStartObject();
            w.WriteString("SequenceNumber"u8, p.SequenceNumbers[i]);
            w.WriteNumber("ApproximateArrivalTimestamp"u8, 1735689600.123m + (i / 1000m));
            w.WriteBase64String("Data"u8, p.Data[i]);
            w.WriteString("PartitionKey"u8, p.PartitionKeys[i]);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteString("NextShardIterator"u8, Iterator);
        w.WriteNumber("MillisBehindLatest"u8, 0);
        w.WriteEndObject();
        w.Flush();
        return output;
    }
}
