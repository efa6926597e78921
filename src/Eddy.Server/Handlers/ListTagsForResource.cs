using Eddy.Core;

namespace Eddy.Server.Handlers;

internal static class ListTagsForResource
{
    public static Task HandleAsync(Call c)
    {
        var tags = c.Engine.ListTagsForResource(c.Required("ResourceARN"));
        var w = c.Json;
        w.WriteStartObject();
        w.Tags(tags);
        w.WriteEndObject();
        return Task.CompletedTask;
    }
}
