using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;

namespace Eddy.Producer;

/// <summary>
/// The KPL aggregated record format (kpl-kcl.md §1): magic <c>F3 89 9A C2</c>, the proto2 serialization of
/// <c>AggregatedRecord</c> (partition key table, explicit hash key table, records pointing at both by index), then the
/// MD5 of the protobuf bytes. Keys are de-duplicated into the tables in first-use order; a record has an explicit hash
/// key index only when its user gave one.
/// </summary>
/// <remarks>Stateless and thread-safe; <see cref="Encode"/> returns a new array and keeps nothing of its input.</remarks>
public static class KplAggregation
{
    /// <summary>The four bytes every aggregate starts with.</summary>
    public static ReadOnlySpan<byte> Magic => [0xF3, 0x89, 0x9A, 0xC2];

    /// <summary>Magic + MD5: the bytes an aggregate has besides its protobuf.</summary>
    public const int Overhead = 4 + 16;

    private const uint TableTag = (1 << 3) | 2, HashTableTag = (2 << 3) | 2, RecordTag = (3 << 3) | 2;
    private const uint IndexTag = 1 << 3, HashIndexTag = 2 << 3, DataTag = (3 << 3) | 2;

    /// <summary>The aggregate of these user records (partition key, explicit hash key or null, data), in order.</summary>
    public static byte[] Encode(IReadOnlyList<(string PartitionKey, string? ExplicitHashKey, ReadOnlyMemory<byte> Data)> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var keys = new Dictionary<string, int>(StringComparer.Ordinal);
        var hashKeys = new Dictionary<string, int>(StringComparer.Ordinal);
        var size = new AggregateSize();
        var indexes = new (int Key, int Hash)[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            var (key, hash, data) = records[i];
            indexes[i] = size.Add(keys, hashKeys, key, hash, data.Length);
        }

        return Write(keys, hashKeys, size.Protobuf, records.Count, i => (indexes[i].Key, indexes[i].Hash, records[i].Data));
    }

    /// <summary>Writes magic, protobuf (tables in index order, then one Record per user record) and MD5.</summary>
    internal static byte[] Write(
        Dictionary<string, int> keys, Dictionary<string, int> hashKeys, long protobufSize, int count, Func<int, (int Key, int Hash, ReadOnlyMemory<byte> Data)> record)
    {
        var result = new byte[Overhead + protobufSize];
        var output = new CodedOutputStream(result);
        // the magic goes through the stream too (it writes from offset 0 of the array)
        output.WriteRawTag(Magic[0], Magic[1], Magic[2], Magic[3]);
        WriteTable(output, keys, TableTag);
        WriteTable(output, hashKeys, HashTableTag);
        for (var i = 0; i < count; i++)
        {
            var (key, hash, data) = record(i);
            output.WriteTag(RecordTag);
            output.WriteLength((int)RecordSize(key, hash, data.Length));
            output.WriteTag(IndexTag);
            output.WriteUInt64((ulong)key);
            if (hash >= 0)
            {
                output.WriteTag(HashIndexTag);
                output.WriteUInt64((ulong)hash);
            }
            output.WriteTag(DataTag);
            output.WriteBytes(UnsafeByteOperations.UnsafeWrap(data));
        }
        output.Flush();
        if (output.SpaceLeft != 16)
        {
            throw new InvalidOperationException($"KPL aggregate size mismatch: {output.SpaceLeft - 16} bytes left over.");
        }
        MD5.HashData(result.AsSpan(4, (int)protobufSize), result.AsSpan(4 + (int)protobufSize));
        return result;
    }

    private static void WriteTable(CodedOutputStream output, Dictionary<string, int> table, uint tag)
    {
        if (table.Count == 0) return;
        var ordered = new string[table.Count];
        foreach (var (key, index) in table)
        {
            ordered[index] = key;
        }
        foreach (var key in ordered)
        {
            output.WriteTag(tag);
            output.WriteString(key);
        }
    }

    /// <summary>Protobuf size of one <c>Record</c>'s body.</summary>
    internal static long RecordSize(int key, int hash, int dataLength) =>
        1 + CodedOutputStream.ComputeUInt64Size((ulong)key)
        + (hash >= 0 ? 1 + CodedOutputStream.ComputeUInt64Size((ulong)hash) : 0)
        + 1 + CodedOutputStream.ComputeLengthSize(dataLength) + dataLength;

    /// <summary>Protobuf size of one table entry.</summary>
    internal static long TableEntrySize(string key)
    {
        var bytes = Encoding.UTF8.GetByteCount(key);
        return 1 + CodedOutputStream.ComputeLengthSize(bytes) + bytes;
    }
}

/// <summary>The running protobuf size of an aggregate being built, entry by entry.</summary>
internal struct AggregateSize
{
    /// <summary>Bytes of the protobuf so far.</summary>
    public long Protobuf;

    /// <summary>What adding this record would add to <see cref="Protobuf"/> (without adding it).</summary>
    public readonly long Growth(Dictionary<string, int> keys, Dictionary<string, int> hashKeys, string key, string? hash, int dataLength)
    {
        var keyIndex = keys.TryGetValue(key, out var k) ? k : keys.Count;
        var growth = keys.ContainsKey(key) ? 0 : KplAggregation.TableEntrySize(key);
        var hashIndex = -1;
        if (hash is not null)
        {
            hashIndex = hashKeys.TryGetValue(hash, out var h) ? h : hashKeys.Count;
            growth += hashKeys.ContainsKey(hash) ? 0 : KplAggregation.TableEntrySize(hash);
        }
        var record = KplAggregation.RecordSize(keyIndex, hashIndex, dataLength);
        return growth + 1 + CodedOutputStream.ComputeLengthSize((int)record) + record;
    }

    /// <summary>Adds the record: its keys enter the tables when new; returns its (key index, hash index or −1).</summary>
    public (int Key, int Hash) Add(Dictionary<string, int> keys, Dictionary<string, int> hashKeys, string key, string? hash, int dataLength)
    {
        Protobuf += Growth(keys, hashKeys, key, hash, dataLength);
        if (!keys.TryGetValue(key, out var keyIndex))
        {
            keyIndex = keys.Count;
            keys.Add(key, keyIndex);
        }
        var hashIndex = -1;
        if (hash is not null && !hashKeys.TryGetValue(hash, out hashIndex))
        {
            hashIndex = hashKeys.Count;
            hashKeys.Add(hash, hashIndex);
        }
        return (keyIndex, hashIndex);
    }
}
