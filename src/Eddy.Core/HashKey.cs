using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Eddy.Core;

/// <summary>The 128-bit hash key space: MD5 of the partition key read as a big-endian unsigned integer.</summary>
public static class HashKey
{
    public static readonly UInt128 Max = UInt128.MaxValue;

    /// <summary>MD5(UTF-8 bytes of <paramref name="partitionKeyUtf8"/>) as a big-endian 128-bit integer.</summary>
    public static UInt128 FromPartitionKey(ReadOnlySpan<byte> partitionKeyUtf8)
    {
        Span<byte> digest = stackalloc byte[16];
        MD5.HashData(partitionKeyUtf8, digest);
        return BinaryPrimitives.ReadUInt128BigEndian(digest);
    }

    public static UInt128 FromPartitionKey(string partitionKey)
    {
        var max = Encoding.UTF8.GetMaxByteCount(partitionKey.Length);
        Span<byte> buffer = max <= 1024 ? stackalloc byte[max] : new byte[max];
        var n = Encoding.UTF8.GetBytes(partitionKey, buffer);
        return FromPartitionKey(buffer[..n]);
    }

    /// <summary>Parses a decimal hash key (<c>0|([1-9]\d{0,38})</c>) within [0, 2^128-1].</summary>
    public static bool TryParse(string? text, out UInt128 value)
    {
        value = default;
        if (string.IsNullOrEmpty(text) || text.Length > 39) return false;
        foreach (var c in text) if (c is < '0' or > '9') return false;
        if (text.Length > 1 && text[0] == '0') return false;
        return UInt128.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The even split AWS uses for N new shards: step = floor(2^128 / N), the last range ends at 2^128-1.</summary>
    public static HashKeyRange[] EvenSplit(int count) => EvenSplit(UInt128.Zero, UInt128.MaxValue, count);

    /// <summary>Splits [start, end] into <paramref name="count"/> contiguous ranges of (near-)equal width.</summary>
    public static HashKeyRange[] EvenSplit(UInt128 start, UInt128 end, int count)
    {
        var ranges = new HashKeyRange[count];
        // width = end - start + 1 may be 2^128, which does not fit: compute step as floor(width / count) in two parts.
        var span = end - start; // width - 1
        var step = span / (UInt128)count + ((span % (UInt128)count + 1) == (UInt128)count ? UInt128.One : UInt128.Zero);
        for (var i = 0; i < count; i++)
        {
            var s = start + step * (UInt128)i;
            var e = i == count - 1 ? end : s + step - 1;
            ranges[i] = new HashKeyRange(s, e);
        }
        return ranges;
    }
}

/// <summary>An inclusive range of hash keys owned by a shard.</summary>
public readonly record struct HashKeyRange(UInt128 Start, UInt128 End)
{
    public bool Contains(UInt128 key) => key >= Start && key <= End;
    public UInt128 Width => End - Start; // inclusive width minus one; avoids overflow for the full space
}
