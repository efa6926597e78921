namespace Eddy.Server.Kinesis.Handlers;

internal static class ListTagsForStream
{
    public static async Task HandleAsync(Call c)
    {
        var r = await c.Engine.ListTagsForStreamAsync(c.Stream, c.String("ExclusiveStartTagKey"), c.Int("Limit")).ConfigureAwait(false);
        var w = c.Json;
        w.WriteStartObject();
        w.Tags(r.Tags);
        w.WriteBoolean("HasMoreTags", r.HasMore);
        w.WriteEndObject();
    }
}
