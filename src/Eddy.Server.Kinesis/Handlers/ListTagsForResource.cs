namespace Eddy.Server.Kinesis.Handlers;

internal static class ListTagsForResource
{
    public static async Task HandleAsync(Call c)
    {
        var tags = await c.Engine.ListTagsForResourceAsync(c.Required("ResourceARN")).ConfigureAwait(false);
        var w = c.Json;
        w.WriteStartObject();
        w.Tags(tags);
        w.WriteEndObject();
    }
}
