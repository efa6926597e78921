using System.Globalization;
using System.Numerics;

namespace Eddy.Core;

/// <summary>
/// A Kinesis sequence number in the 56-digit layout AWS uses (docs/formats/sequence-number.md): a 188-bit integer,
/// written in decimal, whose 47 hex digits are, from the left:
/// <c>2</c> (version) · shard creation time in epoch seconds (9 digits) · low hex digit of the shard index ·
/// per-shard counter (16 digits, first ≤ 7) · <c>00</c> · record arrival time in epoch seconds (9 digits) ·
/// shard index (8 digits) · <c>2</c> (version).
/// Order between numbers of one shard comes from the counter; children sort above parents because their creation
/// time is later.
/// </summary>
public readonly record struct SequenceNumber(long ShardCreationSeconds, int ShardIndex, long Counter, long ArrivalSeconds)
{
    /// <summary>The counter of a closed shard's <c>EndingSequenceNumber</c>.</summary>
    public const long EndCounter = long.MaxValue;

    private const long Mask36 = (1L << 36) - 1;

    public override string ToString()
    {
        var value = new BigInteger(2);
        value = (value << 36) | (ShardCreationSeconds & Mask36);
        value = (value << 4) | (uint)(ShardIndex & 0xF);
        value = (value << 64) | (ulong)Counter;
        value <<= 8; // "byte1", always 00
        value = (value << 36) | (ArrivalSeconds & Mask36);
        value = (value << 32) | (uint)ShardIndex;
        value = (value << 4) | 2;
        return value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Decodes a decimal sequence number in the layout above; false for anything else.</summary>
    public static bool TryParse(string? text, out SequenceNumber sequenceNumber)
    {
        sequenceNumber = default;
        if (string.IsNullOrEmpty(text) || text.Length > 129) return false;
        foreach (var c in text) if (c is < '0' or > '9') return false;
        if (text.Length > 1 && text[0] == '0') return false;
        var value = BigInteger.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        if (value.GetBitLength() != 186) return false; // leading hex digit 2 => bit 185 is the top bit
        if ((value & 0xF) != 2) return false;
        value >>= 4;
        var shardIndex = (int)(uint)(value & uint.MaxValue);
        value >>= 32;
        var arrival = (long)(value & Mask36);
        value >>= 36 + 8;
        var counter = (ulong)(value & ulong.MaxValue);
        if (counter > long.MaxValue) return false;
        value >>= 64;
        if ((int)(value & 0xF) != (shardIndex & 0xF)) return false;
        value >>= 4;
        var created = (long)(value & Mask36);
        value >>= 36;
        if (value != 2 || shardIndex < 0) return false;
        sequenceNumber = new SequenceNumber(created, shardIndex, (long)counter, arrival);
        return true;
    }
}
