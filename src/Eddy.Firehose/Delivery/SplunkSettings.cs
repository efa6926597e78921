using System.Text.Json.Nodes;
using Eddy.Core.Firehose;

namespace Eddy.Firehose.Delivery;

/// <summary>
/// A <c>SplunkDestinationConfiguration</c> as the <see cref="SplunkWriter"/> reads it, and its check at
/// CreateDeliveryStream and UpdateDestination (<see cref="Prepare"/>). Immutable.
/// </summary>
/// <param name="EventUrl">The HEC endpoint records are POSTed to: <c>HECEndpoint</c> + <c>/services/collector/raw</c> or
/// <c>/services/collector/event</c>.</param>
/// <param name="AckUrl">The acknowledgement endpoint: <c>HECEndpoint</c> + <c>/services/collector/ack</c>.</param>
/// <param name="Raw"><c>HECEndpointType</c> is <c>Raw</c>.</param>
/// <param name="Token"><c>HECToken</c>, sent as <c>Authorization: Splunk &lt;token&gt;</c>.</param>
/// <param name="AckTimeout"><c>HECAcknowledgmentTimeoutInSeconds</c> (default 180).</param>
/// <param name="RetryDuration"><c>RetryOptions.DurationInSeconds</c> (default 3600).</param>
internal sealed record SplunkSettings(string EventUrl, string AckUrl, bool Raw, string Token, TimeSpan AckTimeout, TimeSpan RetryDuration)
{
    /// <summary>The default of <c>HECAcknowledgmentTimeoutInSeconds</c>.</summary>
    public const int DefaultAckTimeoutSeconds = 180;

    /// <summary>The default of <c>RetryOptions.DurationInSeconds</c> (not stated by AWS; shared/specs/firehose.md §5.2).</summary>
    public const int DefaultRetrySeconds = 3600;

    public static SplunkSettings From(JsonObject configuration)
    {
        var endpoint = ((string?)configuration["HECEndpoint"] ?? "").TrimEnd('/');
        var raw = (string?)configuration["HECEndpointType"] == "Raw";
        return new SplunkSettings(
            endpoint + (raw ? "/services/collector/raw" : "/services/collector/event"),
            endpoint + "/services/collector/ack",
            raw,
            (string?)configuration["HECToken"] ?? "",
            TimeSpan.FromSeconds((int?)configuration["HECAcknowledgmentTimeoutInSeconds"] ?? DefaultAckTimeoutSeconds),
            TimeSpan.FromSeconds((int?)configuration["RetryOptions"]?["DurationInSeconds"] ?? DefaultRetrySeconds));
    }

    /// <summary>
    /// Checks a Splunk destination (after the model's checks) and fills in the defaults Describe shows:
    /// <c>HECAcknowledgmentTimeoutInSeconds</c> 180, <c>RetryOptions.DurationInSeconds</c> 3600, <c>S3BackupMode</c>
    /// <c>FailedEventsOnly</c>, <c>BufferingHints</c> 5 MB / 60 s. Throws <see cref="FirehoseException"/>
    /// (<c>InvalidArgumentException</c>) for an <c>HECEndpoint</c> that is not an http(s) URL, no <c>HECToken</c>, a Secrets
    /// Manager token (Eddy has none), no S3Configuration, and an update from <c>AllEvents</c> back to
    /// <c>FailedEventsOnly</c> (AWS allows only FailedEventsOnly → AllEvents). <paramref name="previous"/>: the configuration
    /// an update of the same kind changes, else null.
    /// </summary>
    public static void Prepare(JsonObject configuration, JsonObject? previous)
    {
        if (!HttpEndpointWire.IsDeliverable((string?)configuration["HECEndpoint"], plainHttpAnywhere: true))
        {
            throw FirehoseException.Invalid("HECEndpoint must be an http:// or https:// URL.");
        }
        if (configuration["SecretsManagerConfiguration"] is JsonObject secrets && (bool?)secrets["Enabled"] == true)
        {
            throw FirehoseException.Invalid("SecretsManagerConfiguration is not supported by Eddy: give the token as HECToken.");
        }
        if (string.IsNullOrEmpty((string?)configuration["HECToken"]))
        {
            throw FirehoseException.Invalid("HECToken is required when SecretsManagerConfiguration is not enabled.");
        }
        if (configuration["S3Configuration"] is not JsonObject)
        {
            throw FirehoseException.Invalid("S3Configuration is required for a Splunk destination.");
        }
        if ((string?)previous?["S3BackupMode"] == "AllEvents" && (string?)configuration["S3BackupMode"] == "FailedEventsOnly")
        {
            throw FirehoseException.Invalid("S3BackupMode can only be changed from FailedEventsOnly to AllEvents.");
        }
        HttpEndpointSettings.DefaultBufferingHints(configuration, sizeInMBs: 5, intervalInSeconds: 60);
        configuration["HECAcknowledgmentTimeoutInSeconds"] ??= DefaultAckTimeoutSeconds;
        configuration["RetryOptions"] ??= new JsonObject { ["DurationInSeconds"] = DefaultRetrySeconds };
        configuration["S3BackupMode"] ??= "FailedEventsOnly";
    }
}
