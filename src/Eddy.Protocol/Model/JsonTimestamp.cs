using System.Text.Json;

namespace Eddy.Protocol.Model;

/// <summary>
/// Kinesis JSON timestamps: a JSON number of seconds since the Unix epoch whose fraction carries
/// milliseconds (<c>1441215410.867</c>); clients send integers, decimals or exponent forms
/// (<c>1.441215410867E9</c>).
/// </summary>
public static class JsonTimestamp
{
    private const long MinUnixSeconds = -62_135_596_800L;   // 0001-01-01T00:00:00Z
    private const long MaxUnixSeconds = 253_402_300_799L;   // 9999-12-31T23:59:59Z

    /// <summary>
    /// Reads a timestamp member. Only JSON numbers are accepted (AWS rejects strings with
    /// <c>class java.lang.String can not be converted to milliseconds since epoch</c>, which
    /// <see cref="RequestValidator"/> reports). Sub-millisecond digits are dropped (floor).
    /// Returns false for non-numbers and for values outside <see cref="DateTimeOffset"/>'s range.
    /// </summary>
    public static bool TryRead(JsonElement element, out DateTimeOffset value)
    {
        value = default;
        if (element.ValueKind != JsonValueKind.Number)
        {
            return false;
        }

        long millis;
        if (element.TryGetInt64(out var seconds))
        {
            if (seconds < MinUnixSeconds || seconds > MaxUnixSeconds)
            {
                return false;
            }

            millis = seconds * 1000;
        }
        else if (element.TryGetDecimal(out var d))
        {
            if (d < MinUnixSeconds || d >= MaxUnixSeconds + 1)
            {
                return false;
            }

            millis = (long)decimal.Floor(d * 1000m);
        }
        else if (element.TryGetDouble(out var x) && double.IsFinite(x))
        {
            if (x < MinUnixSeconds || x >= MaxUnixSeconds + 1)
            {
                return false;
            }

            millis = (long)Math.Floor(x * 1000d);
        }
        else
        {
            // Magnitudes beyond double, or tiny values that decimal rejects (e.g. 1e-400).
            if (!element.TryGetDouble(out var tiny) || tiny != 0d)
            {
                return false;
            }

            millis = 0;
        }

        millis = Math.Clamp(millis, MinUnixSeconds * 1000, (MaxUnixSeconds * 1000) + 999);
        value = DateTimeOffset.FromUnixTimeMilliseconds(millis);
        return true;
    }

    /// <summary>Epoch seconds with up to three fraction digits, as Kinesis emits them (e.g. 1441215410.867).</summary>
    public static decimal ToEpochSeconds(DateTimeOffset value) => value.ToUnixTimeMilliseconds() / 1000m;

    /// <summary>Writes <paramref name="value"/> as a JSON number of epoch seconds with up to three fraction digits.</summary>
    public static void Write(Utf8JsonWriter writer, DateTimeOffset value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumberValue(ToEpochSeconds(value));
    }
}
