using System.Text.Json.Nodes;
using Eddy.Core.Firehose;

namespace Eddy.Firehose.Delivery;

/// <summary>
/// An <c>HttpEndpointDestinationConfiguration</c> as the <see cref="HttpEndpointWriter"/> reads it, and its check at
/// CreateDeliveryStream and UpdateDestination (<see cref="Prepare"/>). Immutable.
/// </summary>
/// <param name="Url">Where records are POSTed, exactly as configured.</param>
/// <param name="AccessKey">Sent verbatim as <c>X-Amz-Firehose-Access-Key</c>; null: the header is left out.</param>
/// <param name="Gzip"><c>RequestConfiguration.ContentEncoding</c> is <c>GZIP</c>.</param>
/// <param name="CommonAttributes">The <c>X-Amz-Firehose-Common-Attributes</c> header's JSON; null when none are configured.</param>
/// <param name="RetryDuration"><c>RetryOptions.DurationInSeconds</c> (default 300).</param>
internal sealed record HttpEndpointSettings(string Url, string? AccessKey, bool Gzip, string? CommonAttributes, TimeSpan RetryDuration)
{
    /// <summary>AWS's default retry duration of an HTTP endpoint destination, in seconds.</summary>
    public const int DefaultRetrySeconds = 300;

    public static HttpEndpointSettings From(JsonObject configuration)
    {
        var endpoint = configuration["EndpointConfiguration"] as JsonObject;
        var request = configuration["RequestConfiguration"] as JsonObject;
        string? attributes = null;
        if (request?["CommonAttributes"] is JsonArray { Count: > 0 } list)
        {
            var map = new JsonObject();
            foreach (var attribute in list.OfType<JsonObject>())
            {
                map[(string?)attribute["AttributeName"] ?? ""] = (string?)attribute["AttributeValue"] ?? "";
            }
            attributes = new JsonObject { ["commonAttributes"] = map }.ToJsonString();
        }
        return new HttpEndpointSettings(
            (string?)endpoint?["Url"] ?? "",
            (string?)endpoint?["AccessKey"],
            (string?)request?["ContentEncoding"] == "GZIP",
            attributes,
            TimeSpan.FromSeconds((int?)configuration["RetryOptions"]?["DurationInSeconds"] ?? DefaultRetrySeconds));
    }

    /// <summary>
    /// Checks an HTTP endpoint destination (after the model's checks) and fills in the defaults Describe shows:
    /// <c>BufferingHints</c> 5 MB / 300 s, <c>RetryOptions.DurationInSeconds</c> 300, <c>S3BackupMode</c>
    /// <c>FailedDataOnly</c>, <c>RequestConfiguration.ContentEncoding</c> <c>NONE</c>. Throws <see cref="FirehoseException"/>
    /// (<c>InvalidArgumentException</c>) for a configuration Eddy cannot deliver: a URL that is not https (plain http is
    /// accepted on loopback for local receivers), both-or-neither buffering hints, duplicate common attribute names, a
    /// Secrets Manager key (Eddy has no Secrets Manager), no S3Configuration.
    /// </summary>
    public static void Prepare(JsonObject configuration)
    {
        var url = (string?)configuration["EndpointConfiguration"]?["Url"];
        if (!HttpEndpointWire.IsDeliverable(url, plainHttpAnywhere: false))
        {
            throw FirehoseException.Invalid(
                "EndpointConfiguration.Url must be an https:// URL (Eddy also accepts http:// on a loopback host: 127.0.0.1, localhost, [::1]).");
        }
        if (configuration["S3Configuration"] is not JsonObject)
        {
            throw FirehoseException.Invalid("S3Configuration is required for an HTTP endpoint destination.");
        }
        if (configuration["SecretsManagerConfiguration"] is JsonObject secrets && (bool?)secrets["Enabled"] == true)
        {
            throw FirehoseException.Invalid("SecretsManagerConfiguration is not supported by Eddy: give the key as EndpointConfiguration.AccessKey.");
        }
        if (configuration["RequestConfiguration"]?["CommonAttributes"] is JsonArray attributes
            && attributes.Select(a => (string?)a?["AttributeName"]).Distinct(StringComparer.Ordinal).Count() != attributes.Count)
        {
            throw FirehoseException.Invalid("RequestConfiguration.CommonAttributes must have unique attribute names.");
        }
        DefaultBufferingHints(configuration, sizeInMBs: 5, intervalInSeconds: 300);
        configuration["RetryOptions"] ??= new JsonObject { ["DurationInSeconds"] = DefaultRetrySeconds };
        configuration["S3BackupMode"] ??= "FailedDataOnly";
        if (configuration["RequestConfiguration"] is not JsonObject request)
        {
            request = [];
            configuration["RequestConfiguration"] = request;
        }
        request["ContentEncoding"] ??= "NONE";
    }

    /// <summary>Refuses hints with only one of SizeInMBs and IntervalInSeconds; fills AWS's defaults when absent.</summary>
    internal static void DefaultBufferingHints(JsonObject configuration, int sizeInMBs, int intervalInSeconds)
    {
        if (configuration["BufferingHints"] is JsonObject hints)
        {
            if (hints["SizeInMBs"] is null || hints["IntervalInSeconds"] is null)
            {
                throw FirehoseException.Invalid("BufferingHints must specify both SizeInMBs and IntervalInSeconds.");
            }
            return;
        }
        configuration["BufferingHints"] = JsonNode.Parse($$"""{"SizeInMBs":{{sizeInMBs}},"IntervalInSeconds":{{intervalInSeconds}}}""");
    }
}
