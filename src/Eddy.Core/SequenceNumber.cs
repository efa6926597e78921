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
        // The 188 bits as six 32-bit limbs, most significant first (limb 0 holds the top 28 bits).
        Span<uint> limbs = stackalloc uint[6];
        var created = (ulong)(ShardCreationSeconds & Mask36);
        var counter = (ulong)Counter;
        var arrival = (ulong)(ArrivalSeconds & Mask36);
        var index = (uint)ShardIndex;
        // bits 187..124: 2 (4) | created (36) | index nibble (4) | counter high 20 bits
        var top = (2UL << 60) | (created << 24) | ((ulong)(index & 0xF) << 20) | (counter >> 44);
        // bits 123..60: counter low 44 bits | 00 (8) | arrival high 12 bits
        var middle = (counter << 20) | (arrival >> 24);
        // bits 59..0: arrival low 24 bits | index (32) | 2 (4)
        var bottom = ((arrival & 0xFFFFFF) << 36) | ((ulong)index << 4) | 2;
        limbs[0] = (uint)(top >> 36);
        limbs[1] = (uint)(top >> 4);
        limbs[2] = (uint)((top << 28) | (middle >> 36));
        limbs[3] = (uint)(middle >> 4);
        limbs[4] = (uint)((middle << 28) | (bottom >> 32));
        limbs[5] = (uint)bottom;

        // Repeated division by 10^9 yields nine decimal digits at a time, least significant first.
        Span<char> digits = stackalloc char[63];
        var pos = digits.Length;
        while (true)
        {
            ulong remainder = 0;
            var nonZero = false;
            for (var i = 0; i < limbs.Length; i++)
            {
                var value = (remainder << 32) | limbs[i];
                limbs[i] = (uint)(value / 1_000_000_000);
                remainder = value % 1_000_000_000;
                nonZero |= limbs[i] != 0;
            }
            for (var d = 0; d < 9 && (nonZero || remainder != 0 || d == 0); d++)
            {
                digits[--pos] = (char)('0' + (int)(remainder % 10));
                remainder /= 10;
            }
            if (!nonZero) break; // otherwise all nine digits were written, leading zeros included
        }
        return new string(digits[pos..]);
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
