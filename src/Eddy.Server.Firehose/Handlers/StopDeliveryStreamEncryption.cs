namespace Eddy.Server.Firehose.Handlers;

internal static class StopDeliveryStreamEncryption
{
    public static async Task HandleAsync(FirehoseCall c) =>
        await c.Engine.StopEncryptionAsync(c.Name, c.Cancellation).ConfigureAwait(false);
}
