using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Eddy.Core.Firehose;

namespace Eddy.Firehose.Delivery;

/// <summary>
/// What the HTTP-like writers (<see cref="HttpEndpointWriter"/>, <see cref="SplunkWriter"/>) share: ids derived from a
/// flush's identity, one POST bounded by a response timeout with the response read up to a cap, the outcome of an
/// attempt, and the JSON line of a record given up on (shared/specs/firehose.md §6.3).
/// </summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
internal static class HttpEndpointWire
{
    /// <summary>A UUID-shaped id that depends only on <paramref name="identity"/> and <paramref name="purpose"/>: the same on
    /// every retry and on the redo of a flush after a crash, so that the receiver can de-duplicate.</summary>
    public static string DerivedId(string identity, string purpose)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(identity + "\n" + purpose), hash);
        return new Guid(hash[..16], bigEndian: true).ToString("D");
    }

    /// <summary>Whether <paramref name="url"/> is one Eddy sends records to: an absolute <c>https://</c> URL, or
    /// <c>http://</c> on a loopback host (<c>127.0.0.1</c>, <c>localhost</c>, <c>[::1]</c>) for local receivers.</summary>
    public static bool IsDeliverable(string? url, bool plainHttpAnywhere) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && (plainHttpAnywhere || uri.IsLoopback)));

    /// <summary>Sends <paramref name="request"/> and reads the response body up to <paramref name="maxBody"/> bytes, within
    /// <paramref name="timeout"/> on the flush's clock. Never throws for the endpoint's behaviour: connection failures,
    /// resets and the timeout come back as <see cref="Answer.Failure"/>; only the caller's cancellation propagates.</summary>
    public static async Task<Answer> SendAsync(Flush flush, HttpRequestMessage request, TimeSpan timeout, int maxBody, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, flush.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            using var response = await flush.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            if (response.Content.Headers.ContentLength is { } declared && declared > maxBody)
            {
                return new Answer((int)response.StatusCode, response.Headers, response.Content.Headers, [], TooLarge: true, null, null);
            }
            await using var stream = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
            var buffer = new byte[Math.Min(maxBody + 1L, 64 * 1024)];
            using var body = new MemoryStream();
            int read;
            while ((read = await stream.ReadAsync(buffer, linked.Token).ConfigureAwait(false)) > 0)
            {
                body.Write(buffer, 0, read);
                if (body.Length > maxBody)
                {
                    return new Answer((int)response.StatusCode, response.Headers, response.Content.Headers, [], TooLarge: true, null, null);
                }
            }
            return new Answer((int)response.StatusCode, response.Headers, response.Content.Headers, body.ToArray(), TooLarge: false, null, null);
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Answer.Lost(TransportFailure.Timeout, "no response in time");
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
            or HttpRequestError.SecureConnectionError)
        {
            return Answer.Lost(TransportFailure.ConnectionFailed, e.Message);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return Answer.Lost(TransportFailure.ConnectionReset, e.Message);
        }
    }

    /// <summary>The JSON body of <paramref name="answer"/> when it is one (an object), else null.</summary>
    public static JsonElement? JsonBody(Answer answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer.Body);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The body as text, cut to <paramref name="max"/> characters (AWS logs a truncated payload).</summary>
    public static string Text(Answer answer, int max = 1024)
    {
        var text = Encoding.UTF8.GetString(answer.Body);
        return text.Length <= max ? text : text[..max];
    }

    /// <summary>One record's JSON line in the error output: AWS's common fields, then <paramref name="extra"/>'s.</summary>
    public static ReadOnlyMemory<byte> ErrorDocument(ProcessedRecord record, int attemptsMade, string errorCode, string errorMessage, long nowMs,
        Action<Utf8JsonWriter> extra)
    {
        using var output = new MemoryStream();
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteNumber("attemptsMade", attemptsMade);
            w.WriteNumber("arrivalTimestamp", record.ArrivalMs);
            w.WriteString("errorCode", errorCode);
            w.WriteString("errorMessage", errorMessage);
            w.WriteNumber("attemptEndingTimestamp", nowMs);
            w.WriteBase64String("rawData", record.Data.Span);
            extra(w);
            w.WriteEndObject();
        }
        return output.ToArray();
    }

    /// <summary>What came back from one POST: the status, headers and body (or a transport failure: <see cref="Failure"/>).</summary>
    /// <param name="Status">HTTP status; 0 for a transport failure.</param>
    /// <param name="Headers">Response headers (null for a transport failure).</param>
    /// <param name="ContentHeaders">Content headers (null for a transport failure).</param>
    /// <param name="Body">The body read (empty when too large or failed).</param>
    /// <param name="TooLarge">The body exceeded the cap.</param>
    /// <param name="Failure">The transport failure, when no response came.</param>
    /// <param name="Detail">What the transport said.</param>
    internal sealed record Answer(int Status, HttpResponseHeaders? Headers, HttpContentHeaders? ContentHeaders, byte[] Body, bool TooLarge,
        TransportFailure? Failure, string? Detail)
    {
        public static Answer Lost(TransportFailure failure, string detail) => new(0, null, null, [], false, failure, detail);
    }

    /// <summary>Why no response came: the timeout, no connection, or the connection lost mid-exchange.</summary>
    internal enum TransportFailure
    {
        Timeout,
        ConnectionFailed,
        ConnectionReset,
    }
}
