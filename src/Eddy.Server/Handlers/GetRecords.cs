using Eddy.Core;

namespace Eddy.Server.Handlers;

internal static class GetRecords
{
    public static async Task HandleAsync(Call c)
    {
        using var r = await c.Engine.GetRecordsAsync(c.Required("ShardIterator"), c.Int("Limit"), c.Stream).ConfigureAwait(false);
        Write(c.Json, r);
    }

    /// <summary>The GetRecords response encoder (hot path: up to 10 MiB of records, base64 written straight from the read buffer).</summary>
    public static void Write(System.Text.Json.Utf8JsonWriter w, GetRecordsResult r)
    {
        w.WriteStartObject();
        w.WriteStartArray("Records");
        foreach (var rec in r.Records)
        {
            w.WriteStartObject();
            w.WriteString("SequenceNumber", rec.SequenceNumber);
            w.Timestamp("ApproximateArrivalTimestamp", rec.ArrivalMs);
            w.WriteBase64String("Data", rec.Data.Span);
            w.WriteString("PartitionKey", rec.PartitionKey.Span);
            if (rec.Encrypted) w.WriteString("EncryptionType", "KMS");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (r.NextShardIterator is not null) w.WriteString("NextShardIterator", r.NextShardIterator);
        w.WriteNumber("MillisBehindLatest", r.MillisBehindLatest);
        if (r.ChildShards is { } children) w.ChildShards(children);
        w.WriteEndObject();
    }
}
