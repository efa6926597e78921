using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Eddy.Producer;

/// <summary>Kinesis hash keys: MD5 of the partition key's UTF-8 bytes as a big-endian 128-bit integer, or an explicit
/// hash key given in decimal.</summary>
internal static class HashKeys
{
    /// <summary>The hash key of a partition key.</summary>
    public static UInt128 Of(string partitionKey)
    {
        var length = Encoding.UTF8.GetMaxByteCount(partitionKey.Length);
        var rented = length <= 1024 ? null : ArrayPool<byte>.Shared.Rent(length);
        Span<byte> buffer = rented ?? stackalloc byte[1024];
        try
        {
            var written = Encoding.UTF8.GetBytes(partitionKey, buffer);
            Span<byte> digest = stackalloc byte[16];
            MD5.HashData(buffer[..written], digest);
            return BinaryPrimitives.ReadUInt128BigEndian(digest);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Parses an explicit hash key (decimal digits, 0 to 2^128 − 1), as Kinesis accepts it.</summary>
    public static bool TryParse(string text, out UInt128 value) =>
        UInt128.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    /// <summary>The decimal text of a hash key.</summary>
    public static string Format(UInt128 value) => value.ToString(CultureInfo.InvariantCulture);
}
