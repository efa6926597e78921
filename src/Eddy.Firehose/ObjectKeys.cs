using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Eddy.Core.Firehose;

namespace Eddy.Firehose;

/// <summary>One piece of a prefix: literal text, or an expression <c>!{namespace:value}</c>.</summary>
internal readonly record struct PrefixPart(string? Literal, string? Namespace, string? Value)
{
    public bool IsExpression => Namespace is not null;
    public bool IsErrorOutputType => Namespace == "firehose" && Value == "error-output-type";
    public bool IsPartitionKey => Namespace is "partitionKeyFromQuery" or "partitionKeyFromLambda";
    public bool IsTimestamp => Namespace == "timestamp";
}

/// <summary>
/// AWS's S3 object keys (shared/specs/firehose.md §6.1, §6.2): <c>&lt;evaluated prefix&gt;</c> (plus
/// <c>yyyy/MM/dd/HH/</c> when the prefix has no <c>!{timestamp:...}</c>) and
/// <c>&lt;name&gt;-&lt;version&gt;-yyyy-MM-dd-HH-mm-ss-&lt;uuid&gt;&lt;ext&gt;</c>, the time being the oldest record's arrival in UTC.
/// The uuid and every <c>!{firehose:random-string}</c> are derived from the flush's identity (the delivery loop makes it
/// random per flush and records the resulting key before the put, so a redo reuses it). Pure functions; thread-safe.
/// </summary>
internal static class ObjectKeys
{
    /// <summary>Splits a prefix into literals and expressions; InvalidArgument for a malformed or unknown expression.</summary>
    public static IReadOnlyList<PrefixPart> Parse(string prefix, string member)
    {
        var parts = new List<PrefixPart>();
        var i = 0;
        while (i < prefix.Length)
        {
            var start = prefix.IndexOf("!{", i, StringComparison.Ordinal);
            if (start < 0)
            {
                parts.Add(new PrefixPart(prefix[i..], null, null));
                break;
            }
            if (start > i)
            {
                parts.Add(new PrefixPart(prefix[i..start], null, null));
            }
            var end = prefix.IndexOf('}', start);
            var colon = end < 0 ? -1 : prefix.IndexOf(':', start, end - start);
            if (end < 0 || colon < 0)
            {
                throw FirehoseException.Invalid($"{member} contains an invalid expression: '!{{' must start an expression of the form !{{namespace:value}}.");
            }
            var ns = prefix[(start + 2)..colon];
            var value = prefix[(colon + 1)..end];
            var part = new PrefixPart(null, ns, value);
            var known = ns switch
            {
                "timestamp" => TryDotNetFormat(value, out _),
                "firehose" => value is "error-output-type" or "random-string",
                "partitionKeyFromQuery" or "partitionKeyFromLambda" => value.Length > 0,
                _ => false,
            };
            if (!known)
            {
                throw FirehoseException.Invalid($"{member} contains an unsupported expression: !{{{ns}:{value}}}.");
            }
            parts.Add(part);
            i = end + 1;
        }
        return parts;
    }

    /// <summary>The key of a delivered object. With dynamic partitioning, <paramref name="partitionKeys"/> are the
    /// partition's keys (named <c>partitionKeyFromQuery:KEY</c> / <c>partitionKeyFromLambda:KEY</c>) and no
    /// <c>yyyy/MM/dd/HH/</c> is added to a prefix with partition keys (AWS's worked example, firehose.md §6.4).</summary>
    public static string ObjectKey(string? prefix, string deliveryStreamName, long versionId, DateTimeOffset oldestArrival, string flushIdentity, string extension,
        IReadOnlyDictionary<string, string>? partitionKeys = null)
    {
        var seed = Seed(flushIdentity);
        var sb = new StringBuilder();
        var parts = Parse(prefix ?? "", "Prefix");
        Evaluate(sb, parts, oldestArrival, null, seed, partitionKeys);
        if (!parts.Any(p => p.IsTimestamp || p.IsPartitionKey))
        {
            sb.Append(oldestArrival.UtcDateTime.ToString("yyyy'/'MM'/'dd'/'HH'/'", CultureInfo.InvariantCulture));
        }
        sb.Append(deliveryStreamName).Append('-').Append(versionId.ToString(CultureInfo.InvariantCulture)).Append('-')
            .Append(oldestArrival.UtcDateTime.ToString("yyyy'-'MM'-'dd'-'HH'-'mm'-'ss", CultureInfo.InvariantCulture)).Append('-')
            .Append(Uuid(seed, 0)).Append(extension);
        return sb.ToString();
    }

    /// <summary>The key of an error-output object: the ErrorOutputPrefix evaluated, or without one
    /// <c>&lt;Prefix&gt;&lt;error-output-type&gt;/yyyy/MM/dd/HH/</c>; then the same suffix as a delivered object.</summary>
    public static string ErrorKey(string? prefix, string? errorOutputPrefix, string errorOutputType, string deliveryStreamName, long versionId, DateTimeOffset oldestArrival, string flushIdentity)
    {
        var seed = Seed(flushIdentity + "/" + errorOutputType);
        var sb = new StringBuilder();
        if (string.IsNullOrEmpty(errorOutputPrefix))
        {
            Evaluate(sb, Parse(prefix ?? "", "Prefix"), oldestArrival, null, seed);
            sb.Append(errorOutputType).Append('/').Append(oldestArrival.UtcDateTime.ToString("yyyy'/'MM'/'dd'/'HH'/'", CultureInfo.InvariantCulture));
        }
        else
        {
            var parts = Parse(errorOutputPrefix, "ErrorOutputPrefix");
            Evaluate(sb, parts, oldestArrival, errorOutputType, seed);
            if (!parts.Any(p => p.IsExpression))
            {
                sb.Append(oldestArrival.UtcDateTime.ToString("yyyy'/'MM'/'dd'/'HH'/'", CultureInfo.InvariantCulture));
            }
        }
        sb.Append(deliveryStreamName).Append('-').Append(versionId.ToString(CultureInfo.InvariantCulture)).Append('-')
            .Append(oldestArrival.UtcDateTime.ToString("yyyy'-'MM'-'dd'-'HH'-'mm'-'ss", CultureInfo.InvariantCulture)).Append('-')
            .Append(Uuid(seed, 0));
        return sb.ToString();
    }

    /// <summary>The object's extension: <c>FileExtension</c> when set, else by compression.</summary>
    public static string Extension(string compression, string? fileExtension) => fileExtension ?? compression switch
    {
        "GZIP" => ".gz",
        "ZIP" => ".zip",
        "Snappy" or "HADOOP_SNAPPY" => ".snappy",
        _ => "",
    };

    /// <summary>A record's partition under <paramref name="parts"/> (a parsed Prefix): the values of its partition-key
    /// expressions, length-prefixed and joined (equal for records that share an evaluated prefix); or null and the first
    /// expression (<c>partitionKeyFromQuery:KEY</c>) the record has no value for.</summary>
    public static (string? Partition, string? Missing) Partition(IReadOnlyList<PrefixPart> parts, IReadOnlyDictionary<string, string>? keys)
    {
        var sb = new StringBuilder();
        foreach (var part in parts.Where(p => p.IsPartitionKey))
        {
            var name = part.Namespace + ":" + part.Value;
            if (keys is null || !keys.TryGetValue(name, out var value))
            {
                return (null, name);
            }
            sb.Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value);
        }
        return (sb.ToString(), null);
    }

    private static void Evaluate(StringBuilder sb, IReadOnlyList<PrefixPart> parts, DateTimeOffset time, string? errorOutputType, byte[] seed,
        IReadOnlyDictionary<string, string>? partitionKeys = null)
    {
        var random = 0;
        foreach (var part in parts)
        {
            if (part.Literal is { } literal)
            {
                sb.Append(literal);
            }
            else if (part.IsTimestamp)
            {
                TryDotNetFormat(part.Value!, out var format);
                sb.Append(time.UtcDateTime.ToString(format, CultureInfo.InvariantCulture));
            }
            else if (part.IsErrorOutputType)
            {
                sb.Append(errorOutputType);
            }
            else if (part.IsPartitionKey)
            {
                sb.Append(partitionKeys?.GetValueOrDefault(part.Namespace + ":" + part.Value));
            }
            else if (part.Value == "random-string")
            {
                sb.Append(Uuid(seed, ++random)[..11]);
            }
        }
    }

    /// <summary>A Java <c>DateTimeFormatter</c> pattern of the letters Firehose documents (y, M, d, H, m, s, S) with
    /// quoted literals, as a .NET custom format.</summary>
    private static bool TryDotNetFormat(string java, out string format)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < java.Length; i++)
        {
            var c = java[i];
            if (c == '\'')
            {
                var close = java.IndexOf('\'', i + 1);
                if (close < 0)
                {
                    format = "";
                    return false;
                }
                var text = java[(i + 1)..close];
                sb.Append('\'').Append(text.Length == 0 ? "\\'" : text).Append('\'');
                i = close;
            }
            else if (c is 'y' or 'M' or 'd' or 'H' or 'm' or 's')
            {
                sb.Append(c);
            }
            else if (c == 'S')
            {
                sb.Append('f');
            }
            else if (char.IsAsciiLetter(c))
            {
                format = "";
                return false;
            }
            else
            {
                sb.Append('\\').Append(c);
            }
        }
        format = sb.ToString();
        return java.Length > 0;
    }

    private static byte[] Seed(string identity) => SHA256.HashData(Encoding.UTF8.GetBytes(identity));

    /// <summary>A version-4-shaped UUID from the seed and an index.</summary>
    private static string Uuid(byte[] seed, int index)
    {
        Span<byte> input = stackalloc byte[seed.Length + 4];
        seed.CopyTo(input);
        BitConverter.TryWriteBytes(input[seed.Length..], index);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x40);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        var hex = Convert.ToHexStringLower(hash[..16]);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }
}
