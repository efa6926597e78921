using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Eddy.Core.Firehose;

namespace Eddy.Firehose.Delivery;

/// <summary>
/// The Splunk destination (shared/specs/firehose.md §10), speaking the HTTP Event Collector protocol: each flush's
/// records, concatenated as they are, are POSTed to <c>/services/collector/raw</c> (<c>HECEndpointType</c> Raw) or
/// <c>/services/collector/event</c> (Event: the records are HEC event JSON already) with <c>Authorization: Splunk
/// &lt;HECToken&gt;</c> and an <c>X-Splunk-Request-Channel</c>; the answer's <c>ackId</c> is then polled at
/// <c>/services/collector/ack</c> (<c>{"acks":[id]}</c>) until it is acknowledged or <c>HECAcknowledgmentTimeoutInSeconds</c>
/// (counted from the POST) runs out. HEC refusals map to the <c>Splunk.*</c> error codes; every failure is retried (the
/// whole batch, a new POST) for <c>RetryOptions.DurationInSeconds</c> counted from the first failure, acknowledgement
/// waits not counted; then the records go to the error output as <c>splunk-failed</c>.
/// </summary>
/// <remarks>
/// <para><b>Channel.</b> One channel per delivery stream, derived from its ARN (HEC ack ids are per channel).</para>
/// <para><b>Threading.</b> Stateless; one instance serves every delivery stream.</para>
/// <para><b>Cancellation.</b> The loop's token ends a POST or a poll in flight; the flush is redone after the restart.</para>
/// </remarks>
internal sealed class SplunkWriter : IDestinationWriter
{
    /// <summary>The error output type (<c>!{firehose:error-output-type}</c>) of events given up on.</summary>
    public const string ErrorOutputType = "splunk-failed";

    /// <summary>How often an unacknowledged ack id is asked about again.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>The largest HEC answer read.</summary>
    private const int MaxResponseBytes = 1024 * 1024;

    public static SplunkWriter Instance { get; } = new();

    public async Task<WriteResult> DeliverAsync(Flush flush, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(flush);
        var settings = SplunkSettings.From(flush.Destination.Configuration);
        var channel = HttpEndpointWire.DerivedId(flush.DeliveryStreamArn, "splunk-channel");
        var body = flush.Concatenated();
        var retry = flush.Retry(settings.RetryDuration);
        while (true)
        {
            var started = flush.Time.GetUtcNow();
            var (code, message) = await AttemptAsync(flush, settings, channel, body, cancellationToken).ConfigureAwait(false);
            if (code is null)
            {
                retry.Succeeded();
                return new WriteResult(body.Length, 1, []);
            }
            retry.Exclude(flush.Time.GetUtcNow() - started);
            if (!await retry.FailedAsync($"POST {settings.EventUrl}", $"{code}: {message}", cancellationToken).ConfigureAwait(false))
            {
                var now = flush.NowMs;
                return new WriteResult(0, 0, [.. flush.Records.Select(r => new FailedRecord(new FirehoseRecord(r.RecordId, r.ArrivalMs, r.Data), code, message,
                    ErrorOutputType, HttpEndpointWire.ErrorDocument(r, retry.AttemptsMade, code, message, now, w => w.WriteString("EventId", r.RecordId))))]);
            }
        }
    }

    /// <summary>One POST and its acknowledgement: (null, "") when indexed and acknowledged, else the Splunk error.</summary>
    private static async Task<(string? Code, string Message)> AttemptAsync(Flush flush, SplunkSettings settings, string channel, byte[] body,
        CancellationToken cancellationToken)
    {
        var deadline = flush.Time.GetUtcNow() + settings.AckTimeout;
        using var post = Request(settings.EventUrl, settings, channel, body, settings.Raw ? "text/plain" : "application/json");
        var answer = await HttpEndpointWire.SendAsync(flush, post, settings.AckTimeout, MaxResponseBytes, cancellationToken).ConfigureAwait(false);
        if (Refused(answer) is { } refused)
        {
            return refused;
        }
        if (HttpEndpointWire.JsonBody(answer) is not { } sent || !sent.TryGetProperty("ackId", out var ackId) || ackId.ValueKind != JsonValueKind.Number)
        {
            return Error("Splunk.DisabledAck");
        }
        var id = ackId.GetInt64();
        var query = Encoding.UTF8.GetBytes($$"""{"acks":[{{id}}]}""");
        while (true)
        {
            using var poll = Request(settings.AckUrl + "?channel=" + channel, settings, channel, query, "application/json");
            var remaining = deadline - flush.Time.GetUtcNow();
            var acks = await HttpEndpointWire.SendAsync(flush, poll, remaining > TimeSpan.Zero ? remaining : TimeSpan.FromTicks(1), MaxResponseBytes,
                cancellationToken).ConfigureAwait(false);
            if (acks.Failure is null && acks.Status == 400 && HecCode(acks) is 10 or 11)
            {
                return Error("Splunk.ProxyWithoutStickySessions");
            }
            if (Refused(acks) is { } failed)
            {
                return failed.Code == "Splunk.ConnectionTimeout" ? Error("Splunk.AckTimeout") : failed;
            }
            if (HttpEndpointWire.JsonBody(acks) is { } status && status.TryGetProperty("acks", out var map) && map.ValueKind == JsonValueKind.Object
                && map.TryGetProperty(id.ToString(CultureInfo.InvariantCulture), out var acked) && acked.ValueKind == JsonValueKind.True)
            {
                return (null, "");
            }
            var left = deadline - flush.Time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return Error("Splunk.AckTimeout");
            }
            await Task.Delay(left < PollInterval ? left : PollInterval, flush.Time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static HttpRequestMessage Request(string url, SplunkSettings settings, string channel, byte[] body, string contentType)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        request.Headers.TryAddWithoutValidation("Authorization", "Splunk " + settings.Token);
        request.Headers.TryAddWithoutValidation("X-Splunk-Request-Channel", channel);
        return request;
    }

    /// <summary>The Splunk error of an answer that is not a 200 (or no answer at all); null for a 200.</summary>
    private static (string Code, string Message)? Refused(HttpEndpointWire.Answer answer)
    {
        switch (answer.Failure)
        {
            case HttpEndpointWire.TransportFailure.Timeout:
                return Error("Splunk.ConnectionTimeout");
            case HttpEndpointWire.TransportFailure.ConnectionFailed:
                return Error("Splunk.InvalidEndpoint");
            case HttpEndpointWire.TransportFailure.ConnectionReset:
                return Error("Splunk.ConnectionClosed");
            default:
                break;
        }
        if (answer.Status == 200 && !answer.TooLarge)
        {
            return null;
        }
        // HEC's answer codes (Splunk's "Format events for HTTP Event Collector" / HEC status codes).
        var code = HecCode(answer) switch
        {
            1 => "Splunk.DisabledToken",
            2 or 3 or 4 or 16 => "Splunk.InvalidToken",
            5 or 6 or 12 or 13 or 15 => "Splunk.InvalidDataFormat",
            7 => "Splunk.InvalidIndex",
            14 => "Splunk.DisabledAck",
            _ => answer.Status switch
            {
                401 or 403 => "Splunk.InvalidToken",
                404 => "Splunk.InvalidEndpoint",
                _ => "Splunk.ServerError",
            },
        };
        return Error(code, HttpEndpointWire.Text(answer));
    }

    /// <summary>HEC's <c>code</c> in an answer's JSON, or -1.</summary>
    private static int HecCode(HttpEndpointWire.Answer answer) =>
        HttpEndpointWire.JsonBody(answer) is { } body && body.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.Number
            && code.TryGetInt32(out var value) ? value : -1;

    /// <summary>An error code with AWS's description of it (and what the HEC answered, when it did).</summary>
    private static (string Code, string Message) Error(string code, string? answered = null)
    {
        var description = code switch
        {
            "Splunk.ProxyWithoutStickySessions" => "If you have a proxy (ELB or other) between Firehose and the HEC node, you must enable sticky sessions to support HEC ACKs.",
            "Splunk.DisabledToken" => "The HEC token is disabled. Enable the token to allow data delivery to Splunk.",
            "Splunk.InvalidToken" => "The HEC token is invalid. Update Firehose with a valid HEC token.",
            "Splunk.InvalidDataFormat" => "The data is not formatted correctly. To see how to properly format data for Raw or Event HEC endpoints, see Splunk Event Data.",
            "Splunk.InvalidIndex" => "The HEC token or input is configured with an invalid index. Check your index configuration and try again.",
            "Splunk.DisabledAck" => "Indexer acknowledgement is disabled for the HEC token. Enable indexer acknowledgement and try again.",
            "Splunk.AckTimeout" => "Did not receive an acknowledgement from HEC before the HEC acknowledgement timeout expired. Despite the acknowledgement timeout, it's possible the data was indexed successfully in Splunk. Firehose backs up in Amazon S3 data for which the acknowledgement timeout expired.",
            "Splunk.ConnectionTimeout" => "The connection to Splunk timed out. This might be a transient error and the request will be retried.",
            "Splunk.InvalidEndpoint" => "Could not connect to the HEC endpoint. Make sure that the HEC endpoint URL is valid and reachable from Firehose.",
            "Splunk.ConnectionClosed" => "Unable to send data to Splunk due to a connection failure. This might be a transient error.",
            _ => "Data delivery to Splunk failed due to a server error from the HEC node.",
        };
        return (code, string.IsNullOrEmpty(answered) ? description : $"{description} HEC answered: {answered}");
    }
}
