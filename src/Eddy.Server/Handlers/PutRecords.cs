using System.Globalization;
using Eddy.Core;

namespace Eddy.Server.Handlers;

internal static class PutRecords
{
    private const long ClassicRequestLimit = 5L * 1024 * 1024;
    private const long LargeRecordRequestLimit = 10L * 1024 * 1024;

    public static async Task HandleAsync(Call c, ParsedPut put)
    {
        var stream = new StreamRef(put.StreamName, put.StreamArn);
        CheckSizes(c.Engine, stream, put, many: true);
        var r = await c.Engine.PutRecordsAsync(stream, put.Entries).ConfigureAwait(false);
        var w = c.Json;
        w.WriteStartObject();
        w.WriteNumber("FailedRecordCount", r.FailedRecordCount);
        w.WriteStartArray("Records");
        foreach (var o in r.Records)
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
        w.WriteEndArray();
        WriteEncryptionType(w, r);
        w.WriteEndObject();
    }

    /// <summary>PutRecord(s) name the encryption only when there is one: AWS omits <c>EncryptionType</c> for an unencrypted stream.</summary>
    public static void WriteEncryptionType(System.Text.Json.Utf8JsonWriter w, PutRecordsResult r)
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
