namespace Eddy.Server.Firehose.Handlers;

internal static class ListDeliveryStreams
{
    public static async Task HandleAsync(FirehoseCall c)
    {
        var list = await c.Engine.ListDeliveryStreamsAsync(c.Int("Limit"), c.String("DeliveryStreamType"), c.String("ExclusiveStartDeliveryStreamName"), c.Cancellation).ConfigureAwait(false);
        var w = c.Json;
        w.WriteStartObject();
        w.WriteStartArray("DeliveryStreamNames");
        foreach (var name in list.Names)
        {
            w.WriteStringValue(name);
        }
        w.WriteEndArray();
        w.WriteBoolean("HasMoreDeliveryStreams", list.HasMore);
        w.WriteEndObject();
    }
}
