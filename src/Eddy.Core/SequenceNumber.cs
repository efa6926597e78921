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

    /// <summary>Most digits a sequence number has (the 188-bit value is below 10^57).</summary>
    public const int MaxDigits = 57;

    public override string ToString()
    {
        Span<byte> digits = stackalloc byte[MaxDigits];
        var n = Format(digits);
        return System.Text.Encoding.ASCII.GetString(digits[..n]);
    }

    /// <summary>Writes the decimal digits as ASCII (UTF-8) into <paramref name="destination"/> (at least
    /// <see cref="MaxDigits"/> bytes) and returns how many: PutRecords writes 500 of these per answer without a string
    /// each.</summary>
    public int Format(Span<byte> destination)
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
        Span<byte> digits = stackalloc byte[63];
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
            var chunk = (uint)remainder;
            if (nonZero)
            {
                // all nine digits, leading zeros included: four pairs from the table, then one
                for (var d = 0; d < 4; d++)
                {
                    (chunk, var pair) = Math.DivRem(chunk, 100);
                    pos -= 2;
                    s_pairs.AsSpan((int)pair * 2, 2).CopyTo(digits[pos..]);
                }
                digits[--pos] = (byte)('0' + chunk);
                continue;
            }
            do
            {
                (chunk, var digit) = Math.DivRem(chunk, 10);
                digits[--pos] = (byte)('0' + digit);
            }
            while (chunk != 0);
            break;
        }
        digits[pos..].CopyTo(destination);
        return digits.Length - pos;
    }

    /// <summary>"00" to "99" as ASCII.</summary>
    private static readonly byte[] s_pairs = [.. Enumerable.Range(0, 100).SelectMany(i => new[] { (byte)('0' + (i / 10)), (byte)('0' + (i % 10)) })];

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

/// <summary>
/// What AWS reads from a sequence number a client sends (StartingSequenceNumber, SequenceNumberForOrdering), which
/// is more than Eddy issues: besides the current layout (version 2, see <see cref="SequenceNumber"/>) AWS decodes two
/// older ones, version 1 (47 hex digits ending in 1) and version 0 (any number below 2^129; one below 2^124 is read as
/// if 2^124 were added, so <c>5</c> decodes to shard 5). Rules as observed against AWS (kinesalite's test suite): a
/// shard creation time at or after 16025175000 s, a version-2 counter whose first hex digit is above 7, a trailing
/// version digit other than 1 or 2, and anything between 2^129 and the version-2 range are invalid. A version-2 shard
/// index with its top bit set is negative (AWS names it <c>shardId--02147483648</c>).
/// </summary>
public readonly record struct SequenceNumberInput(int Version, long ShardCreationSeconds, long ShardIndex, long Counter)
{
    private const long MaxCreationSeconds = 16_025_175_000;
    private static readonly BigInteger s_pow124 = BigInteger.One << 124;
    private static readonly BigInteger s_pow129 = BigInteger.One << 129;
    private static readonly BigInteger s_pow185 = BigInteger.One << 185;
    private static readonly BigInteger s_version2End = (BigInteger.One << 185) * 3 / 2;

    public static bool TryParse(string? text, out SequenceNumberInput input)
    {
        input = default;
        if (string.IsNullOrEmpty(text) || text.Length > 129) return false;
        foreach (var c in text) if (c is < '0' or > '9') return false;
        var value = BigInteger.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        if (value < s_pow124) value += s_pow124;
        var hex = value.ToString("x", CultureInfo.InvariantCulture).TrimStart('0');
        long Hex(int start, int end) => long.Parse(hex.AsSpan(start, end - start), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        if (value < s_pow129)
        {
            var created = Hex(1, 10);
            if (created >= MaxCreationSeconds) return false;
            input = new SequenceNumberInput(0, created, Hex(28, 32), -1);
            return true;
        }
        if (value <= s_pow185 || value >= s_version2End) return false;
        switch (hex[^1])
        {
            case '2':
                var created = Hex(1, 10);
                if (hex[11] > '7' || created >= MaxCreationSeconds) return false;
                input = new SequenceNumberInput(2, created, (int)(uint)Hex(38, 46), Hex(11, 27));
                return true;
            case '1':
                input = new SequenceNumberInput(1, Hex(1, 10), Hex(38, 46), Hex(36, 38));
                return true;
            default:
                return false;
        }
    }
}
