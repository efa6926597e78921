using Eddy.Core.Firehose;

namespace Eddy.Server.Firehose.Handlers;

/// <summary>
/// Up to 500 records (the model), each ≤ 1,000 KiB (the model), ≤ 4 MiB decoded in all (here): appended to the buffer
/// in one durable append, so every entry gets a RecordId (FailedPutCount 0) or the whole call fails.
/// </summary>
internal static class PutRecordBatch
{
    public const long MaxBatchBytes = 4L * 1024 * 1024;

    public static async Task HandleAsync(FirehoseCall c)
    {
        var entries = c.Object("Records")!.Value;
        var records = new ReadOnlyMemory<byte>[entries.GetArrayLength()];
        long total = 0;
        var i = 0;
        foreach (var entry in entries.EnumerateArray())
        {
            var data = entry.GetProperty("Data").GetBytesFromBase64();
            total += data.Length;
            records[i++] = data;
        }
        if (total > MaxBatchBytes)
        {
            throw FirehoseException.Invalid("Records size exceeds 4 MB limit");
        }
        var result = await c.Engine.PutRecordsAsync(c.Name, records, c.Cancellation).ConfigureAwait(false);
        var w = c.Json;
        w.WriteStartObject();
        w.WriteNumber("FailedPutCount", 0);
        w.WriteBoolean("Encrypted", result.Encrypted);
        w.WriteStartArray("RequestResponses");
        foreach (var id in result.RecordIds)
        {
            w.WriteStartObject();
            w.WriteString("RecordId", id);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
