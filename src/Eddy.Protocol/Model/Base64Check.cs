using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Eddy.Protocol.Model;

/// <summary>
/// Checks a JSON string as AWS's blob parser does (standard alphabet, '=' padding, canonical
/// trailing bits) without decoding it, and reports AWS's error messages.
/// </summary>
internal static class Base64Check
{
    private static readonly SearchValues<byte> s_alphabetUtf8 = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"u8);

    /// <summary>Returns null when valid (with the decoded byte count), otherwise the SerializationException message.</summary>
    public static string? Check(JsonElement stringElement, out int decodedLength)
    {
        // Fast path on the raw UTF-8 token (quotes included) when it has no escapes.
        var raw = JsonMarshal.GetRawUtf8Value(stringElement);
        var s = raw[1..^1];
        if (s.Length % 4 == 0)
        {
            var bad = s.IndexOfAnyExcept(s_alphabetUtf8);
            if (bad < 0)
            {
                decodedLength = s.Length / 4 * 3;
                return null;
            }

            var pad = s.Length - bad;
            if (pad <= 2 && s[bad] == (byte)'=' && s[^1] == (byte)'=' && TrailingBitsZero(Value((char)s[bad - 1]), pad))
            {
                decodedLength = (s.Length / 4 * 3) - pad;
                return null;
            }
        }

        // Escaped, unusual or invalid: work on the decoded string (allocates; rare).
        return Check(stringElement.GetString()!, out decodedLength);
    }

    public static string? Check(string s, out int decodedLength)
    {
        decodedLength = 0;
        if (s.Length % 4 != 0)
        {
            return Prefix(s) + "Base64 encoded length is expected a multiple of 4 bytes but found: " + s.Length;
        }

        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (Value(c) >= 0)
            {
                continue;
            }

            if (c == '=')
            {
                if (i + 1 < s.Length && s[i + 1] != '=')
                {
                    return Prefix(s) + "Invalid Base64 character: '='";
                }

                continue;
            }

            return Prefix(s) + "Invalid Base64 character: '" + c + "'";
        }

        // Only alphabet characters followed by a run of '='.
        var pad = 0;
        while (pad < s.Length && s[s.Length - 1 - pad] == '=')
        {
            pad++;
        }

        if (pad > 2 || (pad > 0 && !TrailingBitsZero(Value(s[s.Length - 1 - pad]), pad)))
        {
            // (sic) AWS's spelling.
            return Prefix(s) + "Invalid last non-pad Base64 character dectected";
        }

        decodedLength = (s.Length / 4 * 3) - pad;
        return null;
    }

    private static string Prefix(string s) => "'" + s + "' can not be converted to a Blob: ";

    private static bool TrailingBitsZero(int lastValue, int pad) => pad switch
    {
        1 => (lastValue & 0x3) == 0,
        2 => (lastValue & 0xF) == 0,
        _ => true,
    };

    private static int Value(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '+' => 62,
        '/' => 63,
        _ => -1,
    };
}
