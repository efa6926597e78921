using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Eddy.Protocol.EventStream;

namespace Eddy.Protocol.Tests.EventStream;

/// <summary>The reference test vectors (verified with botocore's decoder; docs/formats/event-stream.md) and helpers to build raw messages.</summary>
internal static class EventStreamTestData
{
    /// <summary>Vector 1: <c>initial-response</c> with JSON payload <c>{}</c>, 104 bytes.</summary>
    public static readonly byte[] InitialResponse = Hex("""
        00 00 00 68 00 00 00 56 4e 68 17 24 0d 3a 6d 65
        73 73 61 67 65 2d 74 79 70 65 07 00 05 65 76 65
        6e 74 0b 3a 65 76 65 6e 74 2d 74 79 70 65 07 00
        10 69 6e 69 74 69 61 6c 2d 72 65 73 70 6f 6e 73
        65 0d 3a 63 6f 6e 74 65 6e 74 2d 74 79 70 65 07
        00 10 61 70 70 6c 69 63 61 74 69 6f 6e 2f 6a 73
        6f 6e 7b 7d fe 94 2c 1d
        """);

    /// <summary>Vector 2: exception <c>ResourceInUseException</c> with payload <c>{"message":"x"}</c>, 131 bytes.</summary>
    public static readonly byte[] ResourceInUse =
    [
        .. Hex("00000083 00000064 d9bbb06a"),
        13, .. ":message-type"u8, 7, 0, 9, .. "exception"u8,
        15, .. ":exception-type"u8, 7, 0, 22, .. "ResourceInUseException"u8,
        13, .. ":content-type"u8, 7, 0, 16, .. "application/json"u8,
        .. Hex("7b226d657373616765223a2278227d"),
        .. Hex("e1ecdf10"),
    ];

    public static byte[] Hex(string hex) => Convert.FromHexString(string.Concat(hex.Where(char.IsAsciiHexDigit)));

    /// <summary>A message around raw header bytes and a payload, with correct lengths and CRCs.</summary>
    public static byte[] Raw(ReadOnlySpan<byte> headers, ReadOnlySpan<byte> payload)
    {
        int total = 16 + headers.Length + payload.Length;
        var bytes = new byte[total];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)total);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), (uint)headers.Length);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), Crc32.Compute(bytes.AsSpan(0, 8)));
        headers.CopyTo(bytes.AsSpan(12));
        payload.CopyTo(bytes.AsSpan(12 + headers.Length));
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(total - 4), Crc32.Compute(bytes.AsSpan(0, total - 4)));
        return bytes;
    }

    /// <summary>A 12-byte prelude with a correct CRC (any lengths).</summary>
    public static byte[] Prelude(uint total, uint headers)
    {
        var bytes = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, total);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), headers);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), Crc32.Compute(bytes.AsSpan(0, 8)));
        return bytes;
    }

    /// <summary>One string header's raw bytes.</summary>
    public static byte[] StringHeader(string name, string value)
    {
        byte[] n = Encoding.UTF8.GetBytes(name);
        byte[] v = Encoding.UTF8.GetBytes(value);
        var bytes = new byte[1 + n.Length + 1 + 2 + v.Length];
        bytes[0] = (byte)n.Length;
        n.CopyTo(bytes, 1);
        bytes[1 + n.Length] = 7;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2 + n.Length), (ushort)v.Length);
        v.CopyTo(bytes, 4 + n.Length);
        return bytes;
    }

    public static byte[] Encode(Action<IBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return output.WrittenSpan.ToArray();
    }
}
