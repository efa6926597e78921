namespace Eddy.Server.Kinesis.Handlers;

internal static class RegisterStreamConsumer
{
    public static async Task HandleAsync(Call c)
    {
        var consumer = await c.Engine.RegisterConsumerAsync(c.Required("StreamARN"), c.Required("ConsumerName"), c.Map("Tags")).ConfigureAwait(false);
        var w = c.Json;
        w.WriteStartObject();
        w.WriteStartObject("Consumer");
        w.Consumer(consumer, withStreamArn: false);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
