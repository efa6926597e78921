using System.Globalization;

namespace Eddy.Core;

/// <summary>Shard ids: <c>shardId-</c> followed by the 12-digit zero-padded index.</summary>
public static class ShardId
{
    public static string Format(int index) => "shardId-" + index.ToString("D12", CultureInfo.InvariantCulture);

    /// <summary>AWS's lenient parse: the text after the first '-' (or the whole text) is a decimal index ≤ 2147483647.</summary>
    public static bool TryParse(string? text, out int index)
    {
        index = -1;
        if (string.IsNullOrEmpty(text)) return false;
        var dash = text.IndexOf('-');
        var digits = dash >= 0 ? text.AsSpan(dash + 1) : text.AsSpan();
        if (digits.IsEmpty || digits.Length > 12) return false;
        foreach (var c in digits) if (c is < '0' or > '9') return false;
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v > int.MaxValue) return false;
        index = (int)v;
        return true;
    }
}
