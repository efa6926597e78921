using Eddy.Core.Firehose;

namespace Eddy.Server.Firehose.Handlers;

internal static class CreateDeliveryStream
{
    public static async Task HandleAsync(FirehoseCall c)
    {
        KinesisSourceInput? source = c.Object("KinesisStreamSourceConfiguration") is { } s
            ? new KinesisSourceInput(FirehoseCall.String(s, "KinesisStreamARN")!, FirehoseCall.String(s, "RoleARN")!)
            : null;
        var arn = await c.Engine.CreateDeliveryStreamAsync(new CreateDeliveryStreamInput(c.Name, c.String("DeliveryStreamType"), source, c.Encryption(),
            c.Destinations("DestinationConfiguration"), c.Tags("Tags")), c.Cancellation).ConfigureAwait(false);
        c.Json.WriteStartObject();
        c.Json.WriteString("DeliveryStreamARN", arn);
        c.Json.WriteEndObject();
    }
}
