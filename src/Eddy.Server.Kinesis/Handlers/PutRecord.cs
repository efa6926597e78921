using Eddy.Core;

namespace Eddy.Server.Kinesis.Handlers;

internal static class PutRecord
{
    public static async Task HandleAsync(Call c, ParsedPut put)
    {
        var stream = new StreamRef(put.StreamName, put.StreamArn);
        PutRecords.CheckSizes(c.Engine, stream, put, many: false);
        var result = await c.Engine.PutRecordAsync(stream, put.Entries[0], put.SequenceNumberForOrdering).ConfigureAwait(false);
        var outcome = result.Records[0];
        var w = c.Json;
        w.WriteStartObject();
        w.WriteString("ShardId", outcome.ShardId);
        w.WriteString("SequenceNumber", outcome.SequenceNumber);
        PutRecords.WriteEncryptionType(w, result);
        w.WriteEndObject();
    }
}
