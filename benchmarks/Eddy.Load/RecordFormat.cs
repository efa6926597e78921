using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;

namespace Eddy.Load;

/// <summary>
/// Layout of the records this tool writes. Every record's Data starts with a 24-byte header
/// (magic, writer id, per-writer record counter, send timestamp), followed by a fixed pseudo-random filler up to the
/// record size. 24 bytes are exactly 32 base64 characters, so the header can be rewritten in place inside an
/// already encoded body without touching the (pre-encoded) filler. Partition keys are fixed-width too
/// (<c>pk</c> + 10 digits of a key index), so they can also be rewritten in place.
/// </summary>
public static class RecordFormat
{
    public const int HeaderSize = 24;
    public const int HeaderBase64Length = 32;
    public const uint Magic = 0xEDD1_10ADu;
    public const int KeyLength = 12;

    /// <summary>Writes the 24-byte header (big-endian fields).</summary>
    public static void WriteHeader(Span<byte> destination, uint writerId, ulong counter, long sendTimestamp)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, Magic);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], writerId);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], counter);
        BinaryPrimitives.WriteInt64BigEndian(destination[16..], sendTimestamp);
    }

    /// <summary>Writes the header as its 32 base64 characters.</summary>
    public static void WriteHeaderBase64(Span<byte> destination, uint writerId, ulong counter, long sendTimestamp)
    {
        Span<byte> raw = stackalloc byte[HeaderSize];
        WriteHeader(raw, writerId, counter, sendTimestamp);
        Base64.EncodeToUtf8(raw, destination, out _, out _);
    }

    public static bool TryReadHeader(ReadOnlySpan<byte> data, out uint writerId, out ulong counter, out long sendTimestamp)
    {
        writerId = 0;
        counter = 0;
        sendTimestamp = 0;
        if (data.Length < HeaderSize || BinaryPrimitives.ReadUInt32BigEndian(data) != Magic)
        {
            return false;
        }

        writerId = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        counter = BinaryPrimitives.ReadUInt64BigEndian(data[8..]);
        sendTimestamp = BinaryPrimitives.ReadInt64BigEndian(data[16..]);
        return true;
    }

    /// <summary>Decodes only the header from the base64 text of a record's Data (the first 32 characters).</summary>
    public static bool TryReadHeaderBase64(ReadOnlySpan<byte> dataBase64, out uint writerId, out ulong counter, out long sendTimestamp)
    {
        writerId = 0;
        counter = 0;
        sendTimestamp = 0;
        if (dataBase64.Length < HeaderBase64Length)
        {
            return false;
        }

        Span<byte> raw = stackalloc byte[HeaderSize];
        if (Base64.DecodeFromUtf8(dataBase64[..HeaderBase64Length], raw, out _, out int written, isFinalBlock: false)
                != System.Buffers.OperationStatus.Done
            || written != HeaderSize)
        {
            return false;
        }

        return TryReadHeader(raw, out writerId, out counter, out sendTimestamp);
    }

    /// <summary>The deterministic filler that follows the header in every record of <paramref name="recordSize"/> bytes.</summary>
    public static byte[] CreateFiller(int recordSize)
    {
        var filler = new byte[recordSize - HeaderSize];
        new Random(4567).NextBytes(filler);
        return filler;
    }

    public static void WriteKey(Span<byte> destination, int keyIndex)
    {
        destination[0] = (byte)'p';
        destination[1] = (byte)'k';
        uint v = (uint)keyIndex;
        for (int i = KeyLength - 1; i >= 2; i--)
        {
            destination[i] = (byte)('0' + (v % 10));
            v /= 10;
        }
    }

    public static bool TryParseKey(ReadOnlySpan<byte> key, out int keyIndex)
    {
        keyIndex = 0;
        if (key.Length != KeyLength || key[0] != 'p' || key[1] != 'k')
        {
            return false;
        }

        long v = 0;
        for (int i = 2; i < KeyLength; i++)
        {
            int d = key[i] - '0';
            if ((uint)d > 9)
            {
                return false;
            }

            v = (v * 10) + d;
        }

        if (v > int.MaxValue)
        {
            return false;
        }

        keyIndex = (int)v;
        return true;
    }

    /// <summary>FNV-1a 64 of a sequence number's text: lets acknowledgements be kept without keeping strings.</summary>
    public static ulong HashSequence(ReadOnlySpan<byte> sequenceNumber)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in sequenceNumber)
        {
            h = (h ^ b) * 1099511628211UL;
        }

        return h;
    }

    /// <summary>Parses the decimal index at the end of a shard id (<c>shardId-000000000003</c> → 3), or -1.</summary>
    public static int ParseShardIndex(ReadOnlySpan<byte> shardId)
    {
        int dash = shardId.LastIndexOf((byte)'-');
        ReadOnlySpan<byte> digits = dash >= 0 ? shardId[(dash + 1)..] : shardId;
        return Utf8Parser.TryParse(digits, out int value, out int consumed) && consumed == digits.Length && value >= 0 ? value : -1;
    }

    public static int ParseShardIndex(string shardId) => ParseShardIndex(Encoding.UTF8.GetBytes(shardId));

    /// <summary>Compares two decimal sequence numbers (no leading zeros) numerically.</summary>
    public static int CompareSequence(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
        => a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.SequenceCompareTo(b);
}

/// <summary>
/// A request body built once and reused for every call: a PutRecords body of N records (or a PutRecord body),
/// with the offsets of each record's header (base64) and partition key, which are patched in place before each send.
/// </summary>
public sealed class RecordBodyTemplate
{
    private readonly byte[] _buffer;
    private readonly int[] _headerOffsets;
    private readonly int[] _keyOffsets;

    private RecordBodyTemplate(byte[] buffer, int[] headerOffsets, int[] keyOffsets)
    {
        _buffer = buffer;
        _headerOffsets = headerOffsets;
        _keyOffsets = keyOffsets;
    }

    public int Count => _headerOffsets.Length;

    public ReadOnlyMemory<byte> Body => _buffer;

    /// <summary><c>{"StreamName":"s","Records":[{"Data":"...","PartitionKey":"pk0000000000"},...]}</c></summary>
    public static RecordBodyTemplate ForPutRecords(string streamName, int count, byte[] filler)
    {
        byte[] fillerB64 = EncodeFiller(filler);
        var headerOffsets = new int[count];
        var keyOffsets = new int[count];
        using var ms = new MemoryStream();
        Write(ms, "{\"StreamName\":\"");
        Write(ms, streamName);
        Write(ms, "\",\"Records\":[");
        for (int i = 0; i < count; i++)
        {
            Write(ms, i == 0 ? "{\"Data\":\"" : ",{\"Data\":\"");
            headerOffsets[i] = (int)ms.Position;
            ms.Write(new byte[RecordFormat.HeaderBase64Length]);
            ms.Write(fillerB64);
            Write(ms, "\",\"PartitionKey\":\"");
            keyOffsets[i] = (int)ms.Position;
            ms.Write(new byte[RecordFormat.KeyLength]);
            Write(ms, "\"}");
        }

        Write(ms, "]}");
        var template = new RecordBodyTemplate(ms.ToArray(), headerOffsets, keyOffsets);
        for (int i = 0; i < count; i++)
        {
            template.Patch(i, 0, 0, 0, 0);
        }

        return template;
    }

    /// <summary><c>{"StreamName":"s","Data":"...","PartitionKey":"pk0000000000"}</c></summary>
    public static RecordBodyTemplate ForPutRecord(string streamName, byte[] filler)
    {
        byte[] fillerB64 = EncodeFiller(filler);
        using var ms = new MemoryStream();
        Write(ms, "{\"StreamName\":\"");
        Write(ms, streamName);
        Write(ms, "\",\"Data\":\"");
        int headerOffset = (int)ms.Position;
        ms.Write(new byte[RecordFormat.HeaderBase64Length]);
        ms.Write(fillerB64);
        Write(ms, "\",\"PartitionKey\":\"");
        int keyOffset = (int)ms.Position;
        ms.Write(new byte[RecordFormat.KeyLength]);
        Write(ms, "\"}");
        var template = new RecordBodyTemplate(ms.ToArray(), [headerOffset], [keyOffset]);
        template.Patch(0, 0, 0, 0, 0);
        return template;
    }

    /// <summary>Rewrites record <paramref name="index"/>'s header and partition key in place.</summary>
    public void Patch(int index, uint writerId, ulong counter, long sendTimestamp, int keyIndex)
    {
        RecordFormat.WriteHeaderBase64(_buffer.AsSpan(_headerOffsets[index], RecordFormat.HeaderBase64Length), writerId, counter, sendTimestamp);
        RecordFormat.WriteKey(_buffer.AsSpan(_keyOffsets[index], RecordFormat.KeyLength), keyIndex);
    }

    private static byte[] EncodeFiller(byte[] filler)
        => Encoding.ASCII.GetBytes(Convert.ToBase64String(filler));

    private static void Write(MemoryStream ms, string ascii) => ms.Write(Encoding.UTF8.GetBytes(ascii));
}
