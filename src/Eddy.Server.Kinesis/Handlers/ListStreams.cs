using Eddy.Core;

namespace Eddy.Server.Kinesis.Handlers;

internal static class ListStreams
{
    public static async Task HandleAsync(Call c)
    {
        var r = await c.Engine.ListStreamsAsync(c.Int("Limit"), c.String("ExclusiveStartStreamName"), c.String("NextToken")).ConfigureAwait(false);
        var w = c.Json;
        w.WriteStartObject();
        w.StringList("StreamNames", r.Streams.Select(s => s.Name));
        w.WriteBoolean("HasMoreStreams", r.HasMore);
        if (r.NextToken is not null) w.WriteString("NextToken", r.NextToken);
        w.WriteStartArray("StreamSummaries");
        foreach (var s in r.Streams)
        {
            w.WriteStartObject();
            w.WriteString("StreamName", s.Name);
            w.WriteString("StreamARN", s.Arn);
            w.WriteString("StreamStatus", s.Status.ToWire());
            w.StreamModeDetails(s.Mode);
            w.Timestamp("StreamCreationTimestamp", s.CreatedAt);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
