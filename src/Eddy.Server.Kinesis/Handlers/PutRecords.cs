using System.Globalization;
using System.Text;
using System.Text.Json;
using Eddy.Core;

namespace Eddy.Server.Kinesis.Handlers;

internal static class PutRecords
{
    private const long ClassicRequestLimit = 5L * 1024 * 1024;
    private const long LargeRecordRequestLimit = 10L * 1024 * 1024;

    public static async Task HandleAsync(Call c, ParsedPut put)
    {
        var stream = new StreamRef(put.StreamName, put.StreamArn);
        CheckSizes(c.Engine, stream, put, many: true);
        var r = await c.Engine.PutRecordsAsync(stream, put.Entries).ConfigureAwait(false);
        Write(c.Json, r);
    }

    /// <summary>The PutRecords answer (hot path: 500 entries per call).</summary>
    public static void Write(Utf8JsonWriter w, PutRecordsResult r)
    {
        w.WriteStartObject();
        w.WriteNumber("FailedRecordCount", r.FailedRecordCount);
        w.WriteStartArray("Records");
        Span<byte> element = stackalloc byte[MaxElementBytes];
        foreach (var o in r.Records)
        {
            if (o.ErrorCode is null && TryFormatSuccess(o, element, out var length))
            {
                // A sequence number's digits and a shard id never need escaping: these bytes are exactly what
                // WriteStartObject/WriteString/WriteEndObject write, without a string per sequence number or the
                // writer's escaping pass over it.
                w.WriteRawValue(element[..length], skipInputValidation: true);
                continue;
            }
            WriteEntry(w, o);
        }
        w.WriteEndArray();
        WriteEncryptionType(w, r);
        w.WriteEndObject();
    }

    /// <summary>One entry of <c>Records</c> through the writer: every failure, and the form a success's raw bytes copy.</summary>
    public static void WriteEntry(Utf8JsonWriter w, in PutOutcome o)
    {
        w.WriteStartObject();
        if (o.ErrorCode is null)
        {
            w.WriteString("SequenceNumber", o.SequenceNumber);
            w.WriteString("ShardId", o.ShardId);
        }
        else
        {
            w.WriteString("ErrorCode", o.ErrorCode);
            w.WriteString("ErrorMessage", o.ErrorMessage);
        }
        w.WriteEndObject();
    }

    private const int MaxShardIdChars = 64;
    private const int MaxElementBytes = 64 + SequenceNumber.MaxDigits + MaxShardIdChars;

    /// <summary><c>{"SequenceNumber":"…","ShardId":"…"}</c>; false for a shard id that is not plain ASCII (never
    /// the case: <c>shardId-</c> and 12 digits).</summary>
    private static bool TryFormatSuccess(in PutOutcome o, Span<byte> element, out int length)
    {
        length = 0;
        var shardId = o.ShardId;
        if (o.Sequence is not { } sequence || shardId is null || shardId.Length > MaxShardIdChars) return false;
        foreach (var ch in shardId)
            if (!char.IsAsciiLetterOrDigit(ch) && ch != '-') return false;
        var n = Append(element, 0, "{\"SequenceNumber\":\""u8);
        n += sequence.Format(element[n..]);
        n = Append(element, n, "\",\"ShardId\":\""u8);
        n += Encoding.ASCII.GetBytes(shardId, element[n..]);
        length = Append(element, n, "\"}"u8);
        return true;
    }

    private static int Append(Span<byte> destination, int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination[at..]);
        return at + bytes.Length;
    }

    /// <summary>PutRecord(s) name the encryption only when there is one: AWS omits <c>EncryptionType</c> for an unencrypted stream.</summary>
    public static void WriteEncryptionType(Utf8JsonWriter w, PutRecordsResult r)
    {
        if (r.EncryptionType != "NONE") w.WriteString("EncryptionType", r.EncryptionType);
    }

    /// <summary>The stream-specific limits the model cannot express: record size, request size, hash key range.</summary>
    public static void CheckSizes(IStreamEngine engine, StreamRef stream, ParsedPut put, bool many)
    {
        var maxRecord = engine.MaxRecordBytes(stream);
        long total = 0;
        for (var i = 0; i < put.Entries.Count; i++)
        {
            var e = put.Entries[i];
            var size = e.Data.Length + e.PartitionKey.Length;
            if (size > maxRecord)
            {
                var path = many ? $"records.{i + 1}.member.data" : "data";
                throw KinesisException.Validation(string.Create(CultureInfo.InvariantCulture,
                    $"1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim={e.Data.Length} cap={e.Data.Length}]' at '{path}' failed to satisfy constraint: Member must have length less than or equal to {maxRecord}"));
            }
            if (put.ExplicitHashKeys[i] is { } ehk && !HashKey.TryParse(ehk, out _))
                throw KinesisException.Invalid($"Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was {ehk}");
            total += size;
        }
        if (many && total > (maxRecord > 1024 * 1024 ? LargeRecordRequestLimit : ClassicRequestLimit))
            throw KinesisException.Invalid(maxRecord > 1024 * 1024 ? "Records size exceeds 10 MB limit" : "Records size exceeds 5 MB limit");
    }
}
