namespace Eddy.Firehose.Delivery;

/// <summary>The writer of each destination kind Eddy delivers to; the others (accepted and described, not delivered
/// yet) have none and their records stay in the buffer.</summary>
internal static class DestinationWriters
{
    public static IDestinationWriter? For(Destination destination) => destination.Kind switch
    {
        "ExtendedS3" => S3Writer.Instance,
        _ => null,
    };

    /// <summary>Checks a destination configuration of <paramref name="kind"/> at CreateDeliveryStream and UpdateDestination
    /// (after the model's own checks and S3's defaults) and fills in AWS's defaults that Describe shows; throws
    /// <c>InvalidArgumentException</c> (<see cref="Core.Firehose.FirehoseException.Invalid"/>) for one AWS refuses or
    /// Eddy cannot deliver. Each destination kind has its own case.</summary>
    public static void Prepare(string kind, System.Text.Json.Nodes.JsonObject configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        switch (kind)
        {
            case "ExtendedS3":
                ParquetConversion.Prepare(configuration);
                break;
            default:
                break;
        }
    }
}
