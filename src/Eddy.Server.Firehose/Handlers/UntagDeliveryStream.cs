namespace Eddy.Server.Firehose.Handlers;

internal static class UntagDeliveryStream
{
    public static async Task HandleAsync(FirehoseCall c) =>
        await c.Engine.UntagDeliveryStreamAsync(c.Name, [.. c.Object("TagKeys")!.Value.EnumerateArray().Select(k => k.GetString()!)], c.Cancellation).ConfigureAwait(false);
}
