using Eddy.Core.Firehose;

namespace Eddy.Server.Firehose.Handlers;

/// <summary>Exactly one <c>*DestinationUpdate</c> member; the version and destination id checks are the engine's.</summary>
internal static class UpdateDestination
{
    public static async Task HandleAsync(FirehoseCall c)
    {
        var updates = c.Destinations("DestinationUpdate");
        if (updates.Count != 1)
        {
            throw FirehoseException.Invalid("Exactly one destination update must be specified.");
        }
        await c.Engine.UpdateDestinationAsync(c.Name, c.String("CurrentDeliveryStreamVersionId")!, c.String("DestinationId")!, updates[0], c.Cancellation).ConfigureAwait(false);
    }
}
