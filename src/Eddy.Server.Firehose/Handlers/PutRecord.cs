namespace Eddy.Server.Firehose.Handlers;

/// <summary>One record (≤ 1,000 KiB decoded, checked by the model), acknowledged once durable in the buffer.</summary>
internal static class PutRecord
{
    public static async Task HandleAsync(FirehoseCall c)
    {
        var data = c.Object("Record")!.Value.GetProperty("Data").GetBytesFromBase64();
        var result = await c.Engine.PutRecordsAsync(c.Name, [data], c.Cancellation).ConfigureAwait(false);
        var w = c.Json;
        w.WriteStartObject();
        w.WriteString("RecordId", result.RecordIds[0]);
        w.WriteBoolean("Encrypted", result.Encrypted);
        w.WriteEndObject();
    }
}
