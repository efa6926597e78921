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
}
