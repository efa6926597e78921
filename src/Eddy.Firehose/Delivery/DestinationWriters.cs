namespace Eddy.Firehose.Delivery;

/// <summary>The writer of each destination kind Eddy delivers to; the others (accepted and described, not delivered
/// yet) have none and their records stay in the buffer.</summary>
internal static class DestinationWriters
{
    public static IDestinationWriter? For(Destination destination) => destination.Kind switch
    {
        "ExtendedS3" => S3Writer.Instance,
        SearchSettings.Elasticsearch or SearchSettings.OpenSearch or SearchSettings.OpenSearchServerless => SearchWriter.Instance,
        "HttpEndpoint" => HttpEndpointWriter.Instance,
        "Splunk" => SplunkWriter.Instance,
        "Redshift" => RedshiftWriter.Instance,
        _ => null,
    };

    /// <summary>Checks a destination configuration of <paramref name="kind"/> at CreateDeliveryStream and UpdateDestination
    /// (after the model's own checks and S3's defaults) and fills in AWS's defaults that Describe shows; throws
    /// <c>InvalidArgumentException</c> (<see cref="Core.Firehose.FirehoseException.Invalid"/>) for one AWS refuses or
    /// Eddy cannot deliver. Each destination kind has its own case. <paramref name="previous"/> is the configuration an
    /// UpdateDestination of the same kind changes (null at create or when the kind changes).</summary>
    public static void Prepare(string kind, System.Text.Json.Nodes.JsonObject configuration, System.Text.Json.Nodes.JsonObject? previous = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        switch (kind)
        {
            case "ExtendedS3":
                DynamicPartitioning.Prepare(configuration);
                ParquetConversion.Prepare(configuration);
                if (DynamicPartitioning.IsEnabled(configuration) && ParquetConversion.Of(configuration) is not null)
                {
                    throw Core.Firehose.FirehoseException.Invalid("Eddy does not combine dynamic partitioning with record format conversion yet: enable one of them.");
                }
                break;
            case SearchSettings.Elasticsearch or SearchSettings.OpenSearch or SearchSettings.OpenSearchServerless:
                SearchSettings.Prepare(kind, configuration);
                break;
            case "HttpEndpoint":
                HttpEndpointSettings.Prepare(configuration);
                break;
            case "Splunk":
                SplunkSettings.Prepare(configuration, previous);
                break;
            case "Redshift":
                RedshiftConfiguration.Prepare(configuration);
                break;
            default:
                break;
        }
    }
}
