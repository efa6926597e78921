namespace Eddy.Server.Firehose.Handlers;

internal static class ListTagsForDeliveryStream
{
    public static async Task HandleAsync(FirehoseCall c)
    {
        var list = await c.Engine.ListTagsForDeliveryStreamAsync(c.Name, c.String("ExclusiveStartTagKey"), c.Int("Limit"), c.Cancellation).ConfigureAwait(false);
        var w = c.Json;
        w.WriteStartObject();
        w.WriteStartArray("Tags");
        foreach (var (key, value) in list.Tags)
        {
            w.WriteStartObject();
            w.WriteString("Key", key);
            w.WriteString("Value", value);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteBoolean("HasMoreTags", list.HasMore);
        w.WriteEndObject();
    }
}
