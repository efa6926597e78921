using System.Text;
using Eddy.Core.Objects;

namespace Eddy.Objects;

/// <summary>S3's rules for bucket names and object keys, and the order keys are listed in. Pure functions, safe from
/// any thread.</summary>
public static class ObjectNames
{
    /// <summary>The longest key S3 accepts, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 1024;

    /// <summary>Keys in UTF-8 binary order (S3's listing order), compared on the UTF-16 text without encoding it.</summary>
    public static readonly IComparer<string> KeyOrder = new Utf8OrderComparer();

    /// <summary>Whether <paramref name="bucket"/> follows S3's general-purpose bucket naming rules: 3–63 characters of
    /// lowercase letters, digits, '.' and '-', beginning and ending with a letter or digit, no two adjacent periods,
    /// not shaped like an IPv4 address.</summary>
    public static bool IsValidBucketName(string? bucket)
    {
        if (bucket is null || bucket.Length is < 3 or > 63 || !IsLowerAlnum(bucket[0]) || !IsLowerAlnum(bucket[^1]))
        {
            return false;
        }

        foreach (var c in bucket)
        {
            if (!IsLowerAlnum(c) && c is not '.' and not '-')
            {
                return false;
            }
        }

        return !bucket.Contains("..", StringComparison.Ordinal) && !System.Net.IPAddress.TryParse(bucket, out _);
    }

    /// <summary>Throws <c>InvalidBucketName</c> unless <see cref="IsValidBucketName"/>.</summary>
    public static void CheckBucket(string bucket)
    {
        if (!IsValidBucketName(bucket))
        {
            throw ObjectStoreException.InvalidBucketName(bucket);
        }
    }

    /// <summary>Throws <c>KeyTooLongError</c> for a key over 1024 UTF-8 bytes, <c>InvalidArgument</c> for an empty key
    /// or one that is not valid text (a lone surrogate cannot be encoded in UTF-8).</summary>
    public static void CheckKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0)
        {
            throw ObjectStoreException.InvalidKey(key);
        }

        int bytes;
        try
        {
            bytes = Strict.GetByteCount(key);
        }
        catch (EncoderFallbackException)
        {
            throw ObjectStoreException.InvalidKey(key);
        }

        if (bytes > MaxKeyBytes)
        {
            throw ObjectStoreException.KeyTooLong(key);
        }
    }

    /// <summary>UTF-8 that throws on a lone surrogate instead of writing U+FFFD.</summary>
    public static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static bool IsLowerAlnum(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');

    /// <summary>UTF-8 byte order equals code point order; UTF-16 code unit order differs from it only where a
    /// surrogate (U+D800–DFFF, part of a code point above U+FFFF) meets a unit in U+E000–FFFF, so both are moved
    /// to where their code points sort before comparing.</summary>
    private sealed class Utf8OrderComparer : IComparer<string>
    {
        public int Compare(string? x, string? y)
        {
            if (ReferenceEquals(x, y))
            {
                return 0;
            }

            if (x is null)
            {
                return -1;
            }

            if (y is null)
            {
                return 1;
            }

            var common = x.AsSpan().CommonPrefixLength(y);
            if (common == x.Length || common == y.Length)
            {
                return x.Length.CompareTo(y.Length);
            }

            return Fix(x[common]).CompareTo(Fix(y[common]));
        }

        private static int Fix(char c) => c >= 0xE000 ? c - 0x800 : c >= 0xD800 ? c + 0x2000 : c;
    }
}
