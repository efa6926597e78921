namespace Eddy.Server.Kinesis.Handlers;

internal static class DeregisterStreamConsumer
{
    public static Task HandleAsync(Call c) => c.Engine.DeregisterConsumerAsync(c.String("StreamARN"), c.String("ConsumerName"), c.String("ConsumerARN"));
}
