using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Eddy.Protocol.Auth;

/// <summary>
/// The pieces of AWS Signature Version 4 (AWS4-HMAC-SHA256): canonical request, string to sign, signing key and
/// signature. Pure functions over strings and bytes; <see cref="SigV4Verifier"/> applies them to a request.
/// </summary>
public static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string Terminator = "aws4_request";
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";
    public const string AmzDateFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>Lower-case hex SHA-256 of the empty payload.</summary>
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>Lower-case hex SHA-256 of <paramref name="payload"/>.</summary>
    public static string PayloadHash(ReadOnlySpan<byte> payload)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(payload, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>The canonical request: method, canonical URI, canonical query, canonical headers (each followed by
    /// a newline), signed header list and payload hash, joined by newlines.</summary>
    /// <param name="headers">(lower-case name, canonical value) in signed-header order.</param>
    public static string CanonicalRequest(string method, string path, string canonicalQuery, IEnumerable<(string Name, string Value)> headers, string signedHeaders, string payloadHash)
    {
        var sb = new StringBuilder(256);
        sb.Append(method.ToUpperInvariant()).Append('\n');
        sb.Append(CanonicalUri(path)).Append('\n');
        sb.Append(canonicalQuery).Append('\n');
        foreach (var (name, value) in headers) sb.Append(name).Append(':').Append(value).Append('\n');
        sb.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);
        return sb.ToString();
    }

    /// <summary>The path URI-encoded per segment (RFC 3986 unreserved characters kept), "/" when empty.</summary>
    public static string CanonicalUri(string path)
    {
        if (string.IsNullOrEmpty(path)) return "/";
        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++) segments[i] = UriEncode(Uri.UnescapeDataString(segments[i]));
        return string.Join('/', segments);
    }

    /// <summary>The canonical query string of a raw query (with or without the leading '?'): parameters decoded,
    /// re-encoded per RFC 3986, sorted by name then value, joined by '&amp;'. <paramref name="exclude"/> is left out
    /// (X-Amz-Signature of a presigned URL).</summary>
    public static string CanonicalQuery(string? rawQuery, string? exclude = null)
    {
        var pairs = ParseQuery(rawQuery);
        if (pairs.Count == 0) return "";
        var encoded = new List<(string Name, string Value)>(pairs.Count);
        foreach (var (name, value) in pairs)
        {
            if (exclude is not null && name == exclude) continue;
            encoded.Add((UriEncode(name), UriEncode(value)));
        }
        encoded.Sort((a, b) =>
        {
            var c = string.CompareOrdinal(a.Name, b.Name);
            return c != 0 ? c : string.CompareOrdinal(a.Value, b.Value);
        });
        return string.Join('&', encoded.Select(p => p.Name + "=" + p.Value));
    }

    /// <summary>The decoded (name, value) pairs of a raw query string, in order.</summary>
    public static List<(string Name, string Value)> ParseQuery(string? rawQuery)
    {
        var result = new List<(string, string)>();
        if (string.IsNullOrEmpty(rawQuery)) return result;
        var query = rawQuery[0] == '?' ? rawQuery[1..] : rawQuery;
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? "" : part[(eq + 1)..];
            result.Add((Decode(name), Decode(value)));
        }
        return result;

        static string Decode(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));
    }

    /// <summary>RFC 3986 percent-encoding of everything but <c>A-Z a-z 0-9 - _ . ~</c> (upper-case hex).</summary>
    public static string UriEncode(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var sb = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }

    /// <summary>A header's canonical value: its values joined by ',', each trimmed, inner runs of spaces collapsed.</summary>
    public static string CanonicalHeaderValue(IEnumerable<string?> values)
    {
        var sb = new StringBuilder();
        var first = true;
        foreach (var value in values)
        {
            if (!first) sb.Append(',');
            first = false;
            var v = (value ?? "").AsSpan().Trim();
            var space = false;
            foreach (var c in v)
            {
                if (c is ' ' or '\t')
                {
                    if (!space) sb.Append(' ');
                    space = true;
                }
                else
                {
                    sb.Append(c);
                    space = false;
                }
            }
        }
        return sb.ToString();
    }

    /// <summary><c>AWS4-HMAC-SHA256\n&lt;amzDate&gt;\n&lt;scope&gt;\n&lt;hex sha256(canonical request)&gt;</c>.</summary>
    public static string StringToSign(string amzDate, string scope, string canonicalRequest) =>
        $"{Algorithm}\n{amzDate}\n{scope}\n{PayloadHash(Encoding.UTF8.GetBytes(canonicalRequest))}";

    /// <summary>HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request").</summary>
    public static byte[] SigningKey(string secret, string date, string region, string service)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(Terminator));
    }

    /// <summary>The raw signature bytes: HMAC(signingKey, stringToSign).</summary>
    public static byte[] SignatureBytes(byte[] signingKey, string stringToSign)
    {
        var length = Encoding.UTF8.GetByteCount(stringToSign);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.UTF8.GetBytes(stringToSign, buffer);
            return HMACSHA256.HashData(signingKey, buffer.AsSpan(0, written));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Lower-case hex signature of <paramref name="stringToSign"/>.</summary>
    public static string Signature(byte[] signingKey, string stringToSign) => Convert.ToHexStringLower(SignatureBytes(signingKey, stringToSign));

    /// <summary>Formats a UTC instant as an X-Amz-Date (<c>yyyyMMddTHHmmssZ</c>).</summary>
    public static string FormatAmzDate(DateTimeOffset instant) => instant.UtcDateTime.ToString(AmzDateFormat, CultureInfo.InvariantCulture);

    /// <summary>Parses an X-Amz-Date (<c>yyyyMMddTHHmmssZ</c>) or, failing that, an HTTP date (RFC 1123).</summary>
    public static bool TryParseDate(string? value, out DateTimeOffset instant)
    {
        instant = default;
        if (string.IsNullOrWhiteSpace(value)) return false;
        if (DateTimeOffset.TryParseExact(value, AmzDateFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out instant)) return true;
        return DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out instant);
    }
}
