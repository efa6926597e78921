namespace Eddy.Server.Firehose.Handlers;

internal static class DeleteDeliveryStream
{
    public static async Task HandleAsync(FirehoseCall c) =>
        await c.Engine.DeleteDeliveryStreamAsync(c.Name, c.Bool("AllowForceDelete") ?? false, c.Cancellation).ConfigureAwait(false);
}
