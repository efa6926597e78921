using System.Buffers.Binary;

namespace Eddy.Protocol.EventStream;

/// <summary>
/// CRC-32 as in IEEE 802.3 / zlib / PNG (reflected polynomial <c>0xEDB88320</c>, initial value and final xor
/// <c>0xFFFFFFFF</c>): the checksum of the event-stream prelude and message. Table-driven, eight bytes per step
/// (slice-by-8). <c>Compute("123456789")</c> is <c>0xCBF43926</c>.
/// </summary>
internal static class Crc32
{
    private const uint Polynomial = 0xEDB88320u;

    // s_table[k * 256 + n]: the CRC register after feeding byte n followed by k zero bytes.
    private static readonly uint[] s_table = CreateTable();

    /// <summary>The CRC of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>
    /// Continues a CRC: given <paramref name="crc"/> = CRC(a), returns CRC(a ‖ <paramref name="data"/>)
    /// (zlib's <c>crc32(crc, buf, len)</c>; start from 0).
    /// </summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint[] t = s_table;
        uint c = ~crc;
        while (data.Length >= 8)
        {
            uint one = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ c;
            uint two = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            c = t[(7 * 256) + (one & 0xFF)]
                ^ t[(6 * 256) + ((one >> 8) & 0xFF)]
                ^ t[(5 * 256) + ((one >> 16) & 0xFF)]
                ^ t[(4 * 256) + (one >> 24)]
                ^ t[(3 * 256) + (two & 0xFF)]
                ^ t[(2 * 256) + ((two >> 8) & 0xFF)]
                ^ t[256 + ((two >> 16) & 0xFF)]
                ^ t[two >> 24];
            data = data[8..];
        }

        foreach (byte b in data)
        {
            c = t[(c ^ b) & 0xFF] ^ (c >> 8);
        }

        return ~c;
    }

    private static uint[] CreateTable()
    {
        var table = new uint[8 * 256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int bit = 0; bit < 8; bit++)
            {
                c = (c & 1) != 0 ? Polynomial ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        for (int k = 1; k < 8; k++)
        {
            for (int n = 0; n < 256; n++)
            {
                uint previous = table[((k - 1) * 256) + n];
                table[(k * 256) + n] = (previous >> 8) ^ table[previous & 0xFF];
            }
        }

        return table;
    }
}
