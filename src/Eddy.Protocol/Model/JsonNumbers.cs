using System.Text.Json;

namespace Eddy.Protocol.Model;

/// <summary>
/// Reads JSON numbers for integer/long members the way AWS's parser does (and the way
/// <see cref="RequestValidator"/> checked them): fractions are truncated toward zero and values
/// beyond the type's range are clamped. Handlers should use these instead of
/// <see cref="JsonElement.GetInt32"/>, which throws on <c>1.5</c> or <c>1e3</c>.
/// </summary>
public static class JsonNumbers
{
    /// <summary>Reads an integer-shaped member. The element must be a JSON number.</summary>
    public static int ReadInt32(JsonElement element) => (int)ReadIntegral(element, int.MinValue, int.MaxValue);

    /// <summary>Reads a long-shaped member. The element must be a JSON number.</summary>
    public static long ReadInt64(JsonElement element) => ReadIntegral(element, long.MinValue, long.MaxValue);

    internal static long ReadIntegral(JsonElement element, long min, long max)
    {
        if (element.ValueKind != JsonValueKind.Number)
        {
            throw new InvalidOperationException($"Expected a JSON number, found {element.ValueKind}.");
        }

        if (element.TryGetInt64(out var l))
        {
            return Math.Clamp(l, min, max);
        }

        if (element.TryGetDecimal(out var d))
        {
            d = decimal.Truncate(d);
            return d >= max ? max : d <= min ? min : (long)d;
        }

        // Beyond decimal's range (e.g. 1e400): double gives +/-Infinity or 0 for tiny magnitudes.
        if (element.TryGetDouble(out var x) && !double.IsNaN(x))
        {
            x = Math.Truncate(x);
            return x >= max ? max : x <= min ? min : (long)x;
        }

        return element.GetRawText().StartsWith('-') ? min : max;
    }
}
