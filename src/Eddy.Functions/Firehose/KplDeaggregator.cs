using System.Security.Cryptography;
using Google.Protobuf;

namespace Eddy.Functions.Firehose;

/// <summary>
/// KPL aggregation (the format of kpl-kcl.md §1): magic <c>F3 89 9A C2</c>, a protobuf <c>AggregatedRecord</c>, and the
/// MD5 of the protobuf bytes. De-aggregates as the KCL does: anything that is not a well-formed aggregate (no magic, a
/// wrong MD5, a protobuf that does not parse, an index outside its table) is one plain record, unchanged.
/// </summary>
/// <remarks>Stateless and thread-safe. Returned data slices share the input's memory.</remarks>
public static class KplDeaggregator
{
    private static ReadOnlySpan<byte> Magic => [0xF3, 0x89, 0x9A, 0xC2];

    private const int DigestLength = 16;

    /// <summary>The user records (partition key, explicit hash key or null, data) of an aggregate, or null when
    /// <paramref name="data"/> is not one.</summary>
    public static IReadOnlyList<(string PartitionKey, string? ExplicitHashKey, ReadOnlyMemory<byte> Data)>? TryDeaggregate(ReadOnlyMemory<byte> data)
    {
        var span = data.Span;
        if (span.Length <= Magic.Length + DigestLength || !span.StartsWith(Magic))
        {
            return null;
        }
        var body = data[Magic.Length..^DigestLength];
        Span<byte> digest = stackalloc byte[DigestLength];
        MD5.HashData(body.Span, digest);
        if (!digest.SequenceEqual(span[^DigestLength..]))
        {
            return null;
        }
        try
        {
            return Parse(body);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    private static List<(string, string?, ReadOnlyMemory<byte>)>? Parse(ReadOnlyMemory<byte> body)
    {
        List<string> keys = [];
        List<string> hashKeys = [];
        List<(ulong Key, ulong? Hash, ReadOnlyMemory<byte> Data)> records = [];
        var input = new CodedInputStream(body.ToArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag)
            {
                case (1 << 3) | 2:
                    keys.Add(input.ReadString());
                    break;
                case (2 << 3) | 2:
                    hashKeys.Add(input.ReadString());
                    break;
                case (3 << 3) | 2:
                    if (ParseRecord(input.ReadBytes()) is not { } record)
                    {
                        return null;
                    }
                    records.Add(record);
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        List<(string, string?, ReadOnlyMemory<byte>)> result = [];
        foreach (var (key, hash, data) in records)
        {
            if (key >= (ulong)keys.Count || (hash is { } h && h >= (ulong)hashKeys.Count))
            {
                return null;
            }
            result.Add((keys[(int)key], hash is { } i ? hashKeys[(int)i] : null, data));
        }
        return result;
    }

    private static (ulong, ulong?, ReadOnlyMemory<byte>)? ParseRecord(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        ulong? key = null;
        ulong? hash = null;
        ReadOnlyMemory<byte>? data = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag)
            {
                case (1 << 3) | 0:
                    key = input.ReadUInt64();
                    break;
                case (2 << 3) | 0:
                    hash = input.ReadUInt64();
                    break;
                case (3 << 3) | 2:
                    data = input.ReadBytes().Memory;
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        return key is null || data is null ? null : (key.Value, hash, data.Value);
    }
}
