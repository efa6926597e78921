using System.Globalization;
using System.Text.Json.Nodes;
using Eddy.Core.Firehose;

namespace Eddy.Firehose.Delivery;

/// <summary>
/// What delivering to a search cluster needs from an <c>Elasticsearch</c>, <c>Amazonopensearchservice</c> or
/// <c>AmazonOpenSearchServerless</c> destination configuration (shared/specs/firehose.md §9): the cluster's URL, the
/// index and its rotation, the type, the document id option, the retry duration and the error output type. Also the
/// checks and defaults of such a configuration at CreateDeliveryStream and UpdateDestination (<see cref="Prepare"/>).
/// </summary>
/// <remarks>Immutable; made per flush from the configuration the flush started with.</remarks>
internal sealed record SearchSettings(
    Uri BulkUri,
    string IndexName,
    string? TypeName,
    string Rotation,
    bool DocumentIds,
    TimeSpan RetryDuration,
    string ErrorOutputType,
    bool Serverless)
{
    public const string Elasticsearch = "Elasticsearch";
    public const string OpenSearch = "Amazonopensearchservice";
    public const string OpenSearchServerless = "AmazonOpenSearchServerless";

    /// <summary>AWS's default <c>RetryOptions.DurationInSeconds</c> for search destinations.</summary>
    public const int DefaultRetrySeconds = 300;

    public static bool IsSearchKind(string kind) => kind is Elasticsearch or OpenSearch or OpenSearchServerless;

    /// <summary>The settings of a destination that <see cref="Prepare"/> accepted.</summary>
    public static SearchSettings From(Destination destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var c = destination.Configuration;
        var serverless = destination.Kind == OpenSearchServerless;
        var endpoint = new Uri((string)c[EndpointMember(destination.Kind)]!, UriKind.Absolute);
        var bulk = new UriBuilder(endpoint) { Path = endpoint.AbsolutePath.TrimEnd('/') + "/_bulk", Query = "", Fragment = "" }.Uri;
        var type = serverless ? null : (string?)c["TypeName"];
        return new SearchSettings(
            bulk,
            (string)c["IndexName"]!,
            string.IsNullOrEmpty(type) ? null : type,
            serverless ? "NoRotation" : (string?)c["IndexRotationPeriod"] ?? "OneDay",
            (string?)c["DocumentIdOptions"]?["DefaultDocumentIdFormat"] != "NO_DOCUMENT_ID",
            TimeSpan.FromSeconds((int?)c["RetryOptions"]?["DurationInSeconds"] ?? DefaultRetrySeconds),
            ErrorOutputTypeOf(destination.Kind),
            serverless);
    }

    /// <summary>The value of <c>!{firehose:error-output-type}</c> for failed documents of <paramref name="kind"/>:
    /// <c>elasticsearch-failed</c> (legacy Elasticsearch), <c>AmazonOpenSearchService-failed</c> (shared/specs/firehose.md
    /// §6.2, §9); the Serverless one is not documented there and follows the same pattern.</summary>
    public static string ErrorOutputTypeOf(string kind) => kind switch
    {
        Elasticsearch => "elasticsearch-failed",
        OpenSearchServerless => "AmazonOpenSearchServerless-failed",
        _ => "AmazonOpenSearchService-failed",
    };

    /// <summary>The index a record that arrived at <paramref name="arrivalMs"/> (Unix ms, UTC) goes to:
    /// <c>IndexName</c> plus the <c>IndexRotationPeriod</c> suffix (<c>-yyyy-MM-dd-HH</c>, <c>-yyyy-MM-dd</c>,
    /// <c>-yyyy-wWW</c>, <c>-yyyy-MM</c>; none for <c>NoRotation</c>).</summary>
    public string IndexFor(long arrivalMs)
    {
        var t = DateTimeOffset.FromUnixTimeMilliseconds(arrivalMs).UtcDateTime;
        return Rotation switch
        {
            "NoRotation" => IndexName,
            "OneHour" => IndexName + t.ToString("'-'yyyy'-'MM'-'dd'-'HH", CultureInfo.InvariantCulture),
            "OneWeek" => IndexName + t.ToString("'-'yyyy'-w'", CultureInfo.InvariantCulture) + SundayWeek(t).ToString("D2", CultureInfo.InvariantCulture),
            "OneMonth" => IndexName + t.ToString("'-'yyyy'-'MM", CultureInfo.InvariantCulture),
            _ => IndexName + t.ToString("'-'yyyy'-'MM'-'dd", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>The week of the year in the style of strftime's <c>%U</c>: weeks start on Sunday, week 01 begins on the
    /// year's first Sunday, the days before it are week 00 (shared/specs/firehose.md §9, the OneWeek note:
    /// 2016-02-25 is week 08).</summary>
    public static int SundayWeek(DateTime day) => (day.DayOfYear - 1 + 7 - (int)day.DayOfWeek) / 7;

    /// <summary>
    /// Checks a search destination configuration (after the model's checks) and fills in AWS's defaults that Describe
    /// shows: <c>BufferingHints</c> 5 MB / 300 s, <c>RetryOptions.DurationInSeconds</c> 300, <c>S3BackupMode</c>
    /// <c>FailedDocumentsOnly</c>, and but for Serverless <c>IndexRotationPeriod</c> <c>OneDay</c> and
    /// <c>DocumentIdOptions.DefaultDocumentIdFormat</c> <c>FIREHOSE_DEFAULT</c>.
    /// </summary>
    /// <exception cref="FirehoseException"><c>InvalidArgumentException</c>: a <c>DomainARN</c> (Eddy cannot reach an
    /// AWS domain), no endpoint, an endpoint that is not an http(s) URL, half a <c>BufferingHints</c>.</exception>
    public static void Prepare(string kind, JsonObject configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var member = EndpointMember(kind);
        var endpoint = (string?)configuration[member];
        if (kind != OpenSearchServerless && configuration["DomainARN"] is not null)
        {
            throw FirehoseException.Invalid(endpoint is null
                ? "DomainARN is not supported by Eddy: it names a domain of Amazon OpenSearch Service, which Eddy cannot reach. Specify the cluster's URL as ClusterEndpoint instead."
                : "Only one of DomainARN and ClusterEndpoint can be specified.");
        }
        if (endpoint is null)
        {
            throw FirehoseException.Invalid(kind == OpenSearchServerless
                ? "CollectionEndpoint is required."
                : "ClusterEndpoint is required: Eddy delivers to the cluster at that URL (DomainARN is not supported).");
        }
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw FirehoseException.Invalid($"{member} '{endpoint}' is not a valid http:// or https:// URL of a cluster.");
        }
        if (configuration["BufferingHints"] is JsonObject hints)
        {
            if (hints["SizeInMBs"] is null || hints["IntervalInSeconds"] is null)
            {
                throw FirehoseException.Invalid("BufferingHints must specify both SizeInMBs and IntervalInSeconds.");
            }
        }
        else
        {
            configuration["BufferingHints"] = new JsonObject { ["IntervalInSeconds"] = 300, ["SizeInMBs"] = 5 };
        }
        if (configuration["RetryOptions"] is not JsonObject retry)
        {
            configuration["RetryOptions"] = new JsonObject { ["DurationInSeconds"] = DefaultRetrySeconds };
        }
        else
        {
            retry["DurationInSeconds"] ??= DefaultRetrySeconds;
        }
        configuration["S3BackupMode"] ??= "FailedDocumentsOnly";
        if (kind != OpenSearchServerless)
        {
            configuration["IndexRotationPeriod"] ??= "OneDay";
            configuration["DocumentIdOptions"] ??= new JsonObject { ["DefaultDocumentIdFormat"] = "FIREHOSE_DEFAULT" };
        }
    }

    /// <summary>An UpdateDestination of a search destination (to the same or the other search kind) keeps its
    /// <c>S3BackupMode</c>: it cannot change after creation (the update shapes have no such member; one sent anyway is
    /// ignored, as AWS ignores members its model does not know).</summary>
    public static void KeepBackupMode(JsonObject current, JsonObject update)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(update);
        update["S3BackupMode"] = current["S3BackupMode"]?.DeepClone();
    }

    private static string EndpointMember(string kind) => kind == OpenSearchServerless ? "CollectionEndpoint" : "ClusterEndpoint";
}
