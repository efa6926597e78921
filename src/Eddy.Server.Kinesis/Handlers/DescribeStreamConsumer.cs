namespace Eddy.Server.Kinesis.Handlers;

internal static class DescribeStreamConsumer
{
    public static async Task HandleAsync(Call c)
    {
        var consumer = await c.Engine.DescribeConsumerAsync(c.String("StreamARN"), c.String("ConsumerName"), c.String("ConsumerARN")).ConfigureAwait(false);
        var w = c.Json;
        w.WriteStartObject();
        w.WriteStartObject("ConsumerDescription");
        w.Consumer(consumer, withStreamArn: true);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
