namespace Eddy.Server.Firehose.Handlers;

internal static class TagDeliveryStream
{
    public static async Task HandleAsync(FirehoseCall c) =>
        await c.Engine.TagDeliveryStreamAsync(c.Name, c.Tags("Tags"), c.Cancellation).ConfigureAwait(false);
}
