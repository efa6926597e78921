namespace Eddy.Server.Kinesis.Handlers;

internal static class ListStreamConsumers
{
    public static async Task HandleAsync(Call c)
    {
        var r = await c.Engine.ListConsumersAsync(c.Required("StreamARN"), c.String("NextToken"), c.Int("MaxResults"), c.Time("StreamCreationTimestamp")).ConfigureAwait(false);
        var w = c.Json;
        w.WriteStartObject();
        w.WriteStartArray("Consumers");
        foreach (var consumer in r.Consumers)
        {
            w.WriteStartObject();
            w.Consumer(consumer, withStreamArn: false);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (r.NextToken is not null) w.WriteString("NextToken", r.NextToken);
        w.WriteEndObject();
    }
}
