using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Eddy.Core.Firehose;

namespace Eddy.Firehose.Delivery;

/// <summary>
/// The Elasticsearch, OpenSearch Service and OpenSearch Serverless destinations (shared/specs/firehose.md §9): a flush
/// is one <c>_bulk</c> request (NDJSON, <c>Content-Type: application/x-ndjson</c>; split into several when its body would
/// pass <see cref="MaxRequestBytes"/>) of one <c>index</c> action per record, to the index named by <c>IndexName</c> and
/// <c>IndexRotationPeriod</c> from the record's arrival time, with <c>_type</c> only when <c>TypeName</c> is set and
/// <c>_id</c> unless <c>DocumentIdOptions</c> says <c>NO_DOCUMENT_ID</c>.
/// </summary>
/// <remarks>
/// <para><b>Document ids.</b> <c>FIREHOSE_DEFAULT</c> gives a record the id <c>&lt;RecordId&gt;.&lt;n&gt;</c>: the record id
/// PutRecord(Batch) answered (it names the record's place in the buffer log, which a redo after a crash reads again)
/// and the record's rank among the flush's records of that id (0 but for records split by processing). Retries and
/// redos therefore overwrite the same documents instead of adding copies.</para>
/// <para><b>Documents.</b> Each record must be one JSON object; its line breaks (only whitespace in valid JSON) become
/// spaces so that it is one NDJSON line. Any other record fails at once (no retry can help it): error code <c>400</c>.</para>
/// <para><b>Retries.</b> Failed items of the bulk response (any status but 2xx) are sent again, and only they, as are all
/// the documents of a request that failed whole (connection refused or reset, a status that is not 2xx, an answer that
/// is not a bulk response, no answer within <see cref="AttemptTimeout"/>), with the flush's backoff, until the
/// <c>RetryOptions.DurationInSeconds</c> window closes (0: one attempt). Then each document still failing goes to the
/// error output (<see cref="SearchSettings.ErrorOutputTypeOf"/>) as AWS's JSON line: <c>attemptsMade</c>,
/// <c>arrivalTimestamp</c>, <c>errorCode</c> (the item's or the response's HTTP status; <c>ES.ConnectionFailed</c> /
/// <c>OS.ConnectionFailed</c> when there was none), <c>errorMessage</c> (the cluster's error JSON), <c>attemptEndingTimestamp</c>,
/// <c>esDocumentId</c>, <c>esIndexName</c>, <c>esTypeName</c> (Serverless: <c>osDocumentId</c>, <c>osIndexName</c>) and
/// <c>rawData</c>.</para>
/// <para><b>Threading.</b> Stateless; one instance serves every delivery stream.</para>
/// </remarks>
internal sealed class SearchWriter : IDestinationWriter
{
    /// <summary>The largest bulk body sent in one request (a flush of up to 100 MB is split): 10 MiB, the smallest
    /// <c>http.max_content_length</c> of Amazon OpenSearch Service's instance types.</summary>
    public const int MaxRequestBytes = 10 * 1024 * 1024;

    /// <summary>How long one bulk request may take before it counts as a failed attempt.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromMinutes(1);

    public static SearchWriter Instance { get; } = new();

    public async Task<WriteResult> DeliverAsync(Flush flush, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(flush);
        var settings = SearchSettings.From(flush.Destination);
        var failed = new List<FailedRecord>();
        var pending = new List<Document>();
        var ranks = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var record in flush.Records)
        {
            string? id = null;
            if (settings.DocumentIds)
            {
                ranks[record.RecordId] = ranks.TryGetValue(record.RecordId, out var rank) ? rank + 1 : 0;
                id = record.RecordId + "." + ranks[record.RecordId].ToString(CultureInfo.InvariantCulture);
            }
            var document = new Document(record, settings.IndexFor(record.ArrivalMs), id);
            if (Source(record.Data.Span, out var why) is { } source)
            {
                document.Line = [.. Action(settings, document), .. source, (byte)'\n'];
                pending.Add(document);
            }
            else
            {
                failed.Add(Failed(flush, settings, document, "400", why!));
            }
        }

        var retry = flush.Retry(settings.RetryDuration);
        long bytes = 0;
        var requests = 0;
        while (pending.Count > 0)
        {
            var failing = new List<Document>();
            foreach (var batch in Batches(pending))
            {
                requests += await SendAsync(flush, settings, batch, cancellationToken).ConfigureAwait(false) ? 1 : 0;
                foreach (var document in batch)
                {
                    document.Attempts++;
                    if (document.ErrorCode is null)
                    {
                        bytes += document.Record.Data.Length;
                    }
                    else
                    {
                        failing.Add(document);
                    }
                }
            }
            if (failing.Count == 0)
            {
                retry.Succeeded();
                break;
            }
            var first = failing[0];
            var reason = $"{failing.Count} of {pending.Count} documents failed, the first with {first.ErrorCode}: {first.ErrorMessage}";
            pending = failing;
            if (!await retry.FailedAsync($"indexing into {settings.BulkUri}", reason, cancellationToken).ConfigureAwait(false))
            {
                failed.AddRange(failing.Select(d => Failed(flush, settings, d, d.ErrorCode!, d.ErrorMessage!)));
                break;
            }
        }
        return new WriteResult(bytes, requests, failed);
    }

    /// <summary>Sends one bulk request and marks each of <paramref name="batch"/>'s documents failed (error code and
    /// message) or not; true when the cluster answered with a bulk response.</summary>
    private static async Task<bool> SendAsync(Flush flush, SearchSettings settings, List<Document> batch, CancellationToken cancellationToken)
    {
        var body = new byte[batch.Sum(d => d.Line.Length)];
        var at = 0;
        foreach (var document in batch)
        {
            document.ErrorCode = null;
            document.ErrorMessage = null;
            document.Line.CopyTo(body, at);
            at += document.Line.Length;
        }
        using var timeout = new CancellationTokenSource(AttemptTimeout, flush.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        string code;
        string message;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, settings.BulkUri) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await flush.Http.SendAsync(request, linked.Token).ConfigureAwait(false);
            var answer = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300 && MarkItems(batch, answer))
            {
                return true;
            }
            code = status.ToString(CultureInfo.InvariantCulture);
            message = status is >= 200 and < 300
                ? "The cluster's answer is not a bulk response with one item per document."
                : answer.Length > 0 ? Encoding.UTF8.GetString(answer, 0, Math.Min(answer.Length, 8192)) : response.ReasonPhrase ?? "";
        }
        catch (HttpRequestException e)
        {
            code = settings.ErrorOutputType.StartsWith("elasticsearch", StringComparison.Ordinal) ? "ES.ConnectionFailed" : "OS.ConnectionFailed";
            message = e.Message;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            code = settings.ErrorOutputType.StartsWith("elasticsearch", StringComparison.Ordinal) ? "ES.RequestTimeout" : "OS.RequestTimeout";
            message = $"The cluster did not answer within {AttemptTimeout.TotalSeconds:0} s.";
        }
        foreach (var document in batch)
        {
            document.ErrorCode = code;
            document.ErrorMessage = message;
        }
        return false;
    }

    /// <summary>Reads a bulk response (<c>{"took":..,"errors":..,"items":[{"index":{"status":..,"error":{..}}}]}</c>) and
    /// marks the documents whose item failed; false when it is not one (the whole request failed).</summary>
    private static bool MarkItems(List<Document> batch, byte[] answer)
    {
        try
        {
            using var json = JsonDocument.Parse(answer);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.False)
            {
                return true;
            }
            if (!root.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array || items.GetArrayLength() != batch.Count)
            {
                return false;
            }
            var i = 0;
            foreach (var item in items.EnumerateArray())
            {
                var result = item.ValueKind == JsonValueKind.Object ? item.EnumerateObject().FirstOrDefault().Value : default;
                if (result.ValueKind != JsonValueKind.Object || !result.TryGetProperty("status", out var statusJson) || !statusJson.TryGetInt32(out var status))
                {
                    return false;
                }
                if (status is < 200 or >= 300)
                {
                    batch[i].ErrorCode = status.ToString(CultureInfo.InvariantCulture);
                    batch[i].ErrorMessage = result.TryGetProperty("error", out var error)
                        ? error.ValueKind == JsonValueKind.String ? error.GetString() : error.GetRawText()
                        : "";
                }
                i++;
            }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The documents in requests of at most <see cref="MaxRequestBytes"/> (a larger document alone).</summary>
    private static IEnumerable<List<Document>> Batches(List<Document> documents)
    {
        var batch = new List<Document>();
        long size = 0;
        foreach (var document in documents)
        {
            if (batch.Count > 0 && size + document.Line.Length > MaxRequestBytes)
            {
                yield return batch;
                batch = [];
                size = 0;
            }
            batch.Add(document);
            size += document.Line.Length;
        }
        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    /// <summary>The action line: <c>{"index":{"_index":..,"_type":..,"_id":..}}</c> and its newline.</summary>
    private static byte[] Action(SearchSettings settings, Document document)
    {
        using var output = new MemoryStream();
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteStartObject("index");
            w.WriteString("_index", document.Index);
            if (settings.TypeName is { } type)
            {
                w.WriteString("_type", type);
            }
            if (document.Id is { } id)
            {
                w.WriteString("_id", id);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        output.WriteByte((byte)'\n');
        return output.ToArray();
    }

    /// <summary>The record as one NDJSON source line (without its newline), or null with the reason when it is not
    /// exactly one JSON object.</summary>
    private static byte[]? Source(ReadOnlySpan<byte> data, out string? why)
    {
        why = null;
        try
        {
            var reader = new Utf8JsonReader(data);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                why = "The record is not a JSON object; Firehose delivers each record as one JSON document.";
                return null;
            }
            reader.Skip();
            if (reader.Read())
            {
                why = "The record holds more than one JSON value; Firehose delivers each record as one JSON document.";
                return null;
            }
        }
        catch (JsonException e)
        {
            why = "The record is not valid JSON: " + e.Message;
            return null;
        }
        var line = data.Trim(" \t\r\n"u8).ToArray();
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] is (byte)'\n' or (byte)'\r')
            {
                line[i] = (byte)' ';
            }
        }
        return line;
    }

    /// <summary>A document given up on, with AWS's error line (shared/specs/firehose.md §6.3).</summary>
    private static FailedRecord Failed(Flush flush, SearchSettings settings, Document document, string code, string message)
    {
        using var output = new MemoryStream();
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteNumber("attemptsMade", document.Attempts);
            w.WriteNumber("arrivalTimestamp", document.Record.ArrivalMs);
            w.WriteString("errorCode", code);
            w.WriteString("errorMessage", message);
            w.WriteNumber("attemptEndingTimestamp", flush.NowMs);
            var prefix = settings.Serverless ? "os" : "es";
            w.WriteString(prefix + "DocumentId", document.Id);
            w.WriteString(prefix + "IndexName", document.Index);
            if (!settings.Serverless)
            {
                w.WriteString("esTypeName", settings.TypeName);
            }
            w.WriteBase64String("rawData", document.Record.Data.Span);
            w.WriteEndObject();
        }
        var record = new FirehoseRecord(document.Record.RecordId, document.Record.ArrivalMs, document.Record.Data);
        return new FailedRecord(record, code, message, settings.ErrorOutputType, output.ToArray());
    }

    /// <summary>One record on its way: its index and id, its NDJSON lines, and the outcome of its last attempt.</summary>
    private sealed class Document(ProcessedRecord record, string index, string? id)
    {
        public ProcessedRecord Record { get; } = record;

        public string Index { get; } = index;

        public string? Id { get; } = id;

        /// <summary>The action line and the source line, each ending with a newline.</summary>
        public byte[] Line { get; set; } = [];

        public int Attempts { get; set; }

        public string? ErrorCode { get; set; }

        public string? ErrorMessage { get; set; }
    }
}
