using System.Globalization;

namespace Eddy.Core;

/// <summary>Shard ids: <c>shardId-</c> followed by the 12-digit zero-padded index.</summary>
public static class ShardId
{
    public static string Format(int index) => "shardId-" + index.ToString("D12", CultureInfo.InvariantCulture);

    /// <summary>
    /// Any index as AWS prints it in messages, also one that no shard can have (decoded from a foreign sequence number):
    /// a negative index keeps its sign and 11 digits, <c>shardId--02147483648</c>.
    /// </summary>
    public static string Format(long index) => index < 0
        ? "shardId--" + (-index).ToString("D11", CultureInfo.InvariantCulture)
        : "shardId-" + index.ToString("D12", CultureInfo.InvariantCulture);

    /// <summary>
    /// AWS's lenient parse: the text between the first and the second '-' (or the whole text, when there is no '-' or
    /// nothing follows it) is a decimal index ≤ 2147483647, leading zeros allowed: <c>shardId-5</c>, <c>x-5</c>,
    /// <c>-00005</c>, <c>5</c> and <c>a-5-b</c> all mean <c>shardId-000000000005</c>.
    /// </summary>
    public static bool TryParse(string? text, out int index)
    {
        index = -1;
        if (string.IsNullOrEmpty(text)) return false;
        var digits = text.AsSpan();
        var dash = text.IndexOf('-');
        if (dash >= 0)
        {
            var field = digits[(dash + 1)..];
            var next = field.IndexOf('-');
            if (next >= 0) field = field[..next];
            if (!field.IsEmpty) digits = field;
        }
        if (digits.IsEmpty) return false;
        foreach (var c in digits) if (c is < '0' or > '9') return false;
        digits = digits.TrimStart('0');
        if (digits.Length > 10) return false;
        if (digits.IsEmpty) { index = 0; return true; }
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v > int.MaxValue) return false;
        index = (int)v;
        return true;
    }
}
