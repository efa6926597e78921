using Eddy.Core;

namespace Eddy.Server.Handlers;

internal static class DescribeStreamConsumer
{
    public static Task HandleAsync(Call c)
    {
        var consumer = c.Engine.DescribeConsumer(c.String("StreamARN"), c.String("ConsumerName"), c.String("ConsumerARN"));
        var w = c.Json;
        w.WriteStartObject();
        w.WriteStartObject("ConsumerDescription");
        w.Consumer(consumer, withStreamArn: true);
        w.WriteEndObject();
        w.WriteEndObject();
        return Task.CompletedTask;
    }
}
