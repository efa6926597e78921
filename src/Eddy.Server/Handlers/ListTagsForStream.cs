using Eddy.Core;

namespace Eddy.Server.Handlers;

internal static class ListTagsForStream
{
    public static Task HandleAsync(Call c)
    {
        var r = c.Engine.ListTagsForStream(c.Stream, c.String("ExclusiveStartTagKey"), c.Int("Limit"));
        var w = c.Json;
        w.WriteStartObject();
        w.Tags(r.Tags);
        w.WriteBoolean("HasMoreTags", r.HasMore);
        w.WriteEndObject();
        return Task.CompletedTask;
    }
}
