using System.Buffers.Binary;
using System.Globalization;

namespace Eddy.Storage;

/// <summary>
/// Encoder and decoder of the on-disk segment format. Specification (keep in sync with docs/formats/segment-log.md):
/// <code>
/// All integers are LITTLE-ENDIAN. CRC = CRC-32C (Castagnoli), see Crc32C.
///
/// Log directory: &lt;Options.Directory&gt;/&lt;logId&gt;/
///   &lt;base:D20&gt;.log   segment file, named by the offset of its first record (20 digits, zero padded)
///   &lt;base:D20&gt;.idx   index of a sealed segment (optional; rebuilt by scanning when missing or bad)
///
/// Segment header (20 bytes, at file position 0):
///   [0..7)   magic        "EDDYSEG" (ASCII 45 44 44 59 53 45 47)
///   [7]      version      u8 = 1
///   [8..16)  baseOffset   i64, equals the number in the file name
///   [16..20) headerCrc    u32, CRC-32C of bytes [0..16)
///
/// Record frame (25 + n bytes; frames follow the header back to back, no padding):
///   [0..4)   length       u32 = 17 + n: the number of bytes after the crc field
///   [4..8)   crc          u32, CRC-32C of the `length` bytes that follow (version, offset, timestamp, payload)
///   [8]      version      u8 = 1
///   [9..17)  offset       i64, the record's offset; within a segment baseOffset, baseOffset + 1, ...
///   [17..25) timestampMs  i64, Unix milliseconds assigned by the log (non-decreasing)
///   [25..)   payload      n bytes, 0 &lt;= n &lt;= MaxPayloadBytes
///
/// Index file (sealed segments only): 52 + 16 * count bytes
///   [0..7)   magic          "EDDYIDX"
///   [7]      version        u8 = 1
///   [8..16)  baseOffset     i64
///   [16..24) segmentLength  i64, length of the .log file it describes (a mismatch means: rebuild)
///   [24..32) endOffset      i64, one past the last record of the segment
///   [32..40) firstTimestamp i64, timestamp of the first record
///   [40..48) lastTimestamp  i64, timestamp of the last record
///   [48..52) count          i32, number of entries
///   then count entries of 16 bytes, in offset order:
///            relOffset u32 (offset - baseOffset), position u32 (file position of the frame), timestampMs i64
///   then     crc            u32, CRC-32C of every byte before it
/// </code>
/// The first frame of a segment always has an index entry; after that an entry is added for the first frame that
/// starts at least IndexIntervalBytes after the previous entry's frame. Timestamps are non-decreasing across a log, so
/// the same entries serve as the offset index (offset -&gt; position) and as the time index (timestamp -&gt; offset).
/// </summary>
internal static class SegmentFormat
{
    public const byte Version = 1;
    public const int HeaderSize = 20;
    public const int FrameOverhead = 25;
    /// <summary>Value of the length field minus the payload length: version + offset + timestamp.</summary>
    public const int FrameBodyFixed = 17;
    public const int MaxPayloadBytes = 64 * 1024 * 1024;
    public const long MaxAppendBytes = 256L * 1024 * 1024;
    public const int IndexHeaderSize = 52;
    public const int IndexEntrySize = 16;

    public static ReadOnlySpan<byte> SegmentMagic => "EDDYSEG"u8;
    public static ReadOnlySpan<byte> IndexMagic => "EDDYIDX"u8;

    public static string SegmentFileName(long baseOffset) => baseOffset.ToString("D20", CultureInfo.InvariantCulture) + ".log";

    public static string IndexFileName(long baseOffset) => baseOffset.ToString("D20", CultureInfo.InvariantCulture) + ".idx";

    /// <summary>Parses "&lt;20 digits&gt;&lt;extension&gt;".</summary>
    public static bool TryParseFileName(string fileName, string extension, out long baseOffset)
    {
        baseOffset = 0;
        if (fileName.Length != 20 + extension.Length || !fileName.EndsWith(extension, StringComparison.Ordinal))
        {
            return false;
        }

        ReadOnlySpan<char> digits = fileName.AsSpan(0, 20);
        foreach (char c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out baseOffset);
    }

    public static void WriteHeader(Span<byte> destination, long baseOffset)
    {
        SegmentMagic.CopyTo(destination);
        destination[7] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], baseOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], Crc32C.Compute(destination[..16]));
    }

    /// <summary>True if <paramref name="header"/> (at least <see cref="HeaderSize"/> bytes) is a valid header for <paramref name="baseOffset"/>.</summary>
    public static bool IsValidHeader(ReadOnlySpan<byte> header, long baseOffset)
        => header.Length >= HeaderSize
           && header[..7].SequenceEqual(SegmentMagic)
           && header[7] == Version
           && BinaryPrimitives.ReadInt64LittleEndian(header[8..]) == baseOffset
           && BinaryPrimitives.ReadUInt32LittleEndian(header[16..]) == Crc32C.Compute(header[..16]);

    public static int FrameSize(int payloadLength) => FrameOverhead + payloadLength;

    /// <summary>Writes one frame at the start of <paramref name="destination"/> and returns its size.</summary>
    public static int WriteFrame(Span<byte> destination, long offset, long timestampMs, ReadOnlySpan<byte> payload)
    {
        int bodyLength = FrameBodyFixed + payload.Length;
        Span<byte> body = destination.Slice(8, bodyLength);
        body[0] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(body[1..], offset);
        BinaryPrimitives.WriteInt64LittleEndian(body[9..], timestampMs);
        payload.CopyTo(body[FrameBodyFixed..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)bodyLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Crc32C.Compute(body));
        return 8 + bodyLength;
    }
}

/// <summary>Outcome of decoding the next frame.</summary>
internal enum FrameStatus
{
    /// <summary>A valid frame was decoded.</summary>
    Ok,
    /// <summary>Clean end: no bytes left before the limit.</summary>
    End,
    /// <summary>The bytes left before the limit hold only part of a frame.</summary>
    Truncated,
    /// <summary>The length field is out of range.</summary>
    BadLength,
    /// <summary>The CRC does not match.</summary>
    BadCrc,
    /// <summary>CRC matches but the frame version is unknown.</summary>
    BadVersion,
}

/// <summary>One sparse index entry: the frame of record <c>baseOffset + RelOffset</c> starts at <c>Position</c>.</summary>
internal readonly record struct IndexEntry(uint RelOffset, uint Position, long TimestampMs);
