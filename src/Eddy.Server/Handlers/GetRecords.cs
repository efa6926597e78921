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
        w.Records(r.Records);
        if (r.NextShardIterator is not null) w.WriteString("NextShardIterator", r.NextShardIterator);
        w.WriteNumber("MillisBehindLatest", r.MillisBehindLatest);
        if (r.ChildShards is { } children) w.ChildShards(children);
        w.WriteEndObject();
    }
}
