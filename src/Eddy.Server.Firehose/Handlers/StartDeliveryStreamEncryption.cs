namespace Eddy.Server.Firehose.Handlers;

internal static class StartDeliveryStreamEncryption
{
    public static async Task HandleAsync(FirehoseCall c) =>
        await c.Engine.StartEncryptionAsync(c.Name, c.Encryption(), c.Cancellation).ConfigureAwait(false);
}
