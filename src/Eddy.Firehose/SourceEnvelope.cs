using System.Buffers.Binary;
using System.Text;
using Eddy.Core.Firehose;
using Eddy.Storage;

namespace Eddy.Firehose;

/// <summary>
/// The buffer-log payload of a record a <c>KinesisStreamAsSource</c> delivery stream read from its stream: the record's
/// Kinesis metadata (shard, partition key, the stream's arrival time, sequence number) in front of its data, so that the
/// processing step can send <c>kinesisRecordMetadata</c>. DirectPut records are buffered as their bare data. Specification
/// (keep in sync with docs/formats/firehose-source-record.md):
/// <code>
/// All integers are LITTLE-ENDIAN.
///   [0..4)   magic          "EFKS" (45 46 4B 53)
///   [4]      version        u8 = 1
///   [5..13)  arrivalMs      i64, the record's ApproximateArrivalTimestamp in the stream, Unix milliseconds
///   [13..15) shardIdLength  u16 = s;  then s bytes: shard id, UTF-8
///   u16 = p;  then p bytes: partition key, UTF-8
///   u8  = q;  then q bytes: sequence number, ASCII digits
///   u32      headerCrc      CRC-32C of every byte before it
///   rest     data           the record's data blob, as written to the stream
/// </code>
/// A payload that is not a well-formed version-1 envelope (wrong magic or version, lengths past the end, checksum
/// mismatch) is read as bare data without metadata: records buffered before this format existed.
/// </summary>
/// <remarks>Pure functions; thread-safe.</remarks>
internal static class SourceEnvelope
{
    public const byte Version = 1;

    private const int FixedBytes = 4 + 1 + 8 + 2 + 2 + 1 + 4;

    private static ReadOnlySpan<byte> Magic => "EFKS"u8;

    /// <summary>The payload for one record read from <paramref name="shardId"/>.</summary>
    public static byte[] Encode(string shardId, string sequenceNumber, long arrivalMs, ReadOnlySpan<byte> partitionKey, ReadOnlySpan<byte> data)
    {
        var shard = Encoding.UTF8.GetByteCount(shardId);
        var sequence = Encoding.ASCII.GetByteCount(sequenceNumber);
        if (shard > ushort.MaxValue || partitionKey.Length > ushort.MaxValue || sequence > byte.MaxValue)
        {
            throw new ArgumentException("A shard id, partition key or sequence number is too long for the envelope.");
        }
        var output = new byte[FixedBytes + shard + partitionKey.Length + sequence + data.Length];
        var span = output.AsSpan();
        Magic.CopyTo(span);
        span[4] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(span[5..], arrivalMs);
        var at = 13;
        BinaryPrimitives.WriteUInt16LittleEndian(span[at..], (ushort)shard);
        at += 2 + Encoding.UTF8.GetBytes(shardId, span[(at + 2)..]);
        BinaryPrimitives.WriteUInt16LittleEndian(span[at..], (ushort)partitionKey.Length);
        partitionKey.CopyTo(span[(at + 2)..]);
        at += 2 + partitionKey.Length;
        span[at] = (byte)sequence;
        at += 1 + Encoding.ASCII.GetBytes(sequenceNumber, span[(at + 1)..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[at..], Crc32C.Compute(span[..at]));
        data.CopyTo(span[(at + 4)..]);
        return output;
    }

    /// <summary>The metadata and the data of a payload; (null, the whole payload) for one that is not an envelope.</summary>
    public static (KinesisRecordMetadata? Metadata, ReadOnlyMemory<byte> Data) Decode(ReadOnlyMemory<byte> payload)
    {
        var span = payload.Span;
        if (span.Length < FixedBytes || !span.StartsWith(Magic) || span[4] != Version)
        {
            return (null, payload);
        }
        var at = 13;
        var shard = BinaryPrimitives.ReadUInt16LittleEndian(span[at..]);
        at += 2 + shard;
        if (at + 2 > span.Length)
        {
            return (null, payload);
        }
        var key = BinaryPrimitives.ReadUInt16LittleEndian(span[at..]);
        at += 2 + key;
        if (at + 1 > span.Length)
        {
            return (null, payload);
        }
        var sequence = span[at];
        at += 1 + sequence;
        if (at + 4 > span.Length || BinaryPrimitives.ReadUInt32LittleEndian(span[at..]) != Crc32C.Compute(span[..at]))
        {
            return (null, payload);
        }
        var metadata = new KinesisRecordMetadata(
            Encoding.UTF8.GetString(span.Slice(15, shard)),
            Encoding.UTF8.GetString(span.Slice(15 + shard + 2, key)),
            BinaryPrimitives.ReadInt64LittleEndian(span[5..]),
            Encoding.ASCII.GetString(span.Slice(at - sequence, sequence)));
        return (metadata, payload[(at + 4)..]);
    }
}
