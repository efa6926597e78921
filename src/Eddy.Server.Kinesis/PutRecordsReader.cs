using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using Eddy.Core;
using Eddy.Protocol.Model;

namespace Eddy.Server.Kinesis;

/// <summary>A PutRecord or PutRecords body parsed on the fast path.</summary>
internal sealed class ParsedPut
{
    public string? StreamName;
    public string? StreamArn;
    public string? SequenceNumberForOrdering;
    public readonly List<PutEntry> Entries = [];
    /// <summary>Per entry: the ExplicitHashKey text if one was given (for the range check's message).</summary>
    public readonly List<string?> ExplicitHashKeys = [];
    public bool HasRecordsMember;
}

/// <summary>
/// The hot-path reader for PutRecord and PutRecords: one pass of <see cref="Utf8JsonReader"/> over the body, base64
/// decoded straight into one caller-owned buffer, partition keys sliced from the body where unescaped. It accepts
/// only bodies that satisfy the model's constraints; anything else returns false, and the caller runs the generic
/// model validator, which produces AWS's exact error.
/// </summary>
internal static partial class PutRecordsReader
{
    private const int MaxRecords = 500;
    private const int MaxPartitionKeyChars = 256;
    private const int MaxDataBytes = 10 * 1024 * 1024;

    [GeneratedRegex(@"^arn:aws.*:kinesis:.*:\d{12}:stream/\S+$")]
    private static partial Regex StreamArnPattern();

    /// <summary>Parses <paramref name="body"/>; decoded data lands in <paramref name="data"/> (at least 3/4 of the body long).</summary>
    public static bool TryParse(ReadOnlyMemory<byte> body, bool many, byte[] data, ParsedPut result)
    {
        try
        {
            var reader = new Utf8JsonReader(body.Span);
            var used = 0;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            if (many)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("Records"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.Null) continue;
                        if (reader.TokenType != JsonTokenType.StartArray) return false;
                        result.HasRecordsMember = true;
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                            if (reader.TokenType != JsonTokenType.StartObject || !ReadEntry(ref reader, body, data, ref used, result)) return false;
                        if (result.Entries.Count is 0 or > MaxRecords) return false;
                    }
                    else if (!ReadStreamMember(ref reader, result))
                    {
                        return false;
                    }
                }
                return result.HasRecordsMember && reader.TokenType == JsonTokenType.EndObject;
            }
            return ReadEntry(ref reader, body, data, ref used, result) && result.Entries.Count == 1;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not text (invalid UTF-8, a lone surrogate escape), met while
            // unescaping or transcoding it. The model validator's pass rejects the body with SerializationException.
            return false;
        }
    }

    private static bool ReadStreamMember(ref Utf8JsonReader reader, ParsedPut result)
    {
        if (reader.ValueTextEquals("StreamName"u8))
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null) return true;
            if (reader.TokenType != JsonTokenType.String) return false;
            result.StreamName = reader.GetString()!;
            return IsStreamName(result.StreamName);
        }
        if (reader.ValueTextEquals("StreamARN"u8))
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null) return true;
            if (reader.TokenType != JsonTokenType.String) return false;
            result.StreamArn = reader.GetString()!;
            return result.StreamArn.Length <= 2048 && StreamArnPattern().IsMatch(result.StreamArn);
        }
        // unknown members are ignored, as AWS does (StreamId is accepted and ignored), but their strings must be text
        return JsonStrings.SkipValid(ref reader);
    }

    /// <summary>Reads one record object (PutRecords entry, or the PutRecord body itself, which also holds stream members).</summary>
    private static bool ReadEntry(ref Utf8JsonReader reader, ReadOnlyMemory<byte> body, byte[] data, ref int used, ParsedPut result)
    {
        ReadOnlyMemory<byte>? key = null;
        ReadOnlyMemory<byte>? blob = null;
        string? explicitHashKey = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("Data"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (reader.TokenType != JsonTokenType.String) return false;
                var encoded = reader.ValueIsEscaped ? Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan;
                if (encoded.Length % 4 != 0) return false;
                var status = Base64.DecodeFromUtf8(encoded, data.AsSpan(used), out _, out var written);
                if (status != OperationStatus.Done || written > MaxDataBytes) return false;
                blob = data.AsMemory(used, written);
                used += written;
            }
            else if (reader.ValueTextEquals("PartitionKey"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (reader.TokenType != JsonTokenType.String) return false;
                key = reader.ValueIsEscaped
                    ? Encoding.UTF8.GetBytes(reader.GetString()!)
                    : body.Slice((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length);
                if (!reader.ValueIsEscaped && !Utf8.IsValid(key.Value.Span)) return false; // stored as is: it must be text
                var chars = Encoding.UTF8.GetCharCount(key.Value.Span);
                if (chars is 0 or > MaxPartitionKeyChars) return false;
            }
            else if (reader.ValueTextEquals("ExplicitHashKey"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (reader.TokenType != JsonTokenType.String) return false;
                explicitHashKey = reader.GetString()!;
                if (!IsHashKeyPattern(explicitHashKey)) return false;
            }
            else if (reader.ValueTextEquals("SequenceNumberForOrdering"u8) && !result.HasRecordsMember)
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (reader.TokenType != JsonTokenType.String) return false;
                result.SequenceNumberForOrdering = reader.GetString();
                if (!IsSequenceNumberPattern(result.SequenceNumberForOrdering!)) return false;
            }
            else if (!result.HasRecordsMember)
            {
                if (!ReadStreamMember(ref reader, result)) return false;
            }
            else if (!JsonStrings.SkipValid(ref reader))
            {
                return false;
            }
        }
        if (key is null || blob is null) return false;
        UInt128 hash;
        if (explicitHashKey is null) hash = HashKey.FromPartitionKey(key.Value.Span);
        else if (!HashKey.TryParse(explicitHashKey, out hash)) hash = UInt128.MaxValue; // out of range: reported by the handler
        result.Entries.Add(new PutEntry(key.Value, blob.Value, hash));
        result.ExplicitHashKeys.Add(explicitHashKey);
        return true;
    }

    private static bool IsStreamName(string s)
    {
        if (s.Length is 0 or > 128) return false;
        foreach (var c in s)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-')) return false;
        return true;
    }

    private static bool IsHashKeyPattern(string s) => IsDecimal(s, 39);

    private static bool IsSequenceNumberPattern(string s) => IsDecimal(s, 129);

    private static bool IsDecimal(string s, int maxDigits)
    {
        if (s.Length == 0 || s.Length > maxDigits || s.Length > 1 && s[0] == '0') return false;
        foreach (var c in s) if (!char.IsAsciiDigit(c)) return false;
        return true;
    }
}
