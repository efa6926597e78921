using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Eddy.Core.Functions;

namespace Eddy.Functions.Firehose;

/// <summary>
/// A delivery stream's <c>ProcessingConfiguration</c>, runnable: the step between the buffer and the destination.
/// <see cref="ProcessAsync"/> takes the buffered records and gives the records for the destination (with their partition
/// keys) and the error documents for the error output. Order, as Firehose applies it: KPL de-aggregation (stream-source
/// records only) → <c>RecordDeAggregation</c> → <c>Lambda</c> → <c>MetadataExtraction</c> → <c>AppendDelimiterToRecord</c>.
/// </summary>
/// <remarks>
/// Threading: immutable once created; <see cref="ProcessAsync"/> may run concurrently for different batches. Time comes
/// from the injected <see cref="TimeProvider"/> (the error documents' <c>attemptEndingTimestamp</c>). Cancellation:
/// <see cref="OperationCanceledException"/>, nothing returned (the caller keeps its buffer and retries later). Failure:
/// <see cref="Create"/> throws <see cref="ProcessingConfigurationException"/> (InvalidArgumentException) for a
/// configuration Eddy cannot run; processing never throws for bad records or a failing function — those become error
/// documents.
/// </remarks>
public sealed class FirehoseProcessor
{
    /// <summary>The error output type of records the Lambda transform failed (the value of <c>!{firehose:error-output-type}</c>).</summary>
    public const string ProcessingFailed = "processing-failed";

    /// <summary>The error output type of records MetadataExtraction could not take keys from. AWS's string is not in the
    /// reference (UNVERIFIED); Eddy writes <c>partitioning-failed</c>.</summary>
    public const string PartitioningFailed = Core.Firehose.FailedRecord.PartitioningFailed;

    private const int MaxRetries = 300;

    private const string JsonProcessingMessage = "There was an error parsing returned records from the Lambda function. Ensure that the returned records follow the status model required by Kinesis Firehose.";

    private static readonly IReadOnlyDictionary<string, string> s_noKeys = new Dictionary<string, string>();

    private readonly DeliveryContext _context;
    private readonly IFunctionInvoker _invoker;
    private readonly TimeProvider _time;
    private readonly (bool Json, byte[] Delimiter)? _split;
    private readonly LambdaStep? _lambda;
    private readonly JqQuery? _query;
    private readonly byte[]? _appendDelimiter;

    private FirehoseProcessor(DeliveryContext context, IFunctionInvoker invoker, TimeProvider time,
        (bool, byte[])? split, LambdaStep? lambda, JqQuery? query, byte[]? appendDelimiter)
    {
        _context = context;
        _invoker = invoker;
        _time = time;
        _split = split;
        _lambda = lambda;
        _query = query;
        _appendDelimiter = appendDelimiter;
    }

    private sealed record LambdaStep(string Arn, int Retries, long BatchBytes);

    /// <summary>Checks and compiles the processors (a disabled configuration is an empty list).</summary>
    /// <exception cref="ProcessingConfigurationException">A processor type Eddy does not run, a missing or invalid
    /// parameter, a type given twice, a jq query outside the supported subset.</exception>
    public static FirehoseProcessor Create(IReadOnlyList<ProcessorSpec> processors, DeliveryContext context, IFunctionInvoker invoker, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(processors);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(invoker);
        (bool, byte[])? split = null;
        LambdaStep? lambda = null;
        JqQuery? query = null;
        byte[]? append = null;
        HashSet<string> seen = new(StringComparer.Ordinal);
        foreach (var processor in processors)
        {
            if (!seen.Add(processor.Type))
            {
                throw new ProcessingConfigurationException($"Processor type {processor.Type} is given more than once.");
            }
            var p = processor.Parameters;
            switch (processor.Type)
            {
                case "RecordDeAggregation":
                    split = p.GetValueOrDefault("SubRecordType") switch
                    {
                        "JSON" => (true, []),
                        "DELIMITED" => (false, Base64Parameter(p, "Delimiter")),
                        var other => throw new ProcessingConfigurationException($"RecordDeAggregation needs SubRecordType JSON or DELIMITED, not '{other}'."),
                    };
                    break;
                case "Lambda":
                    var arn = p.GetValueOrDefault("LambdaArn") ?? throw new ProcessingConfigurationException("The Lambda processor needs the parameter LambdaArn.");
                    if (FunctionNames.NameOf(arn) is null || !arn.StartsWith("arn:", StringComparison.Ordinal))
                    {
                        throw new ProcessingConfigurationException($"LambdaArn '{arn}' is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]).");
                    }
                    var retries = IntParameter(p, "NumberOfRetries", 3, 0, MaxRetries);
                    var megabytes = DecimalParameter(p, "BufferSizeInMBs", 1m, 0.2m, 3m);
                    DecimalParameter(p, "BufferIntervalInSeconds", 60m, 0m, 900m); // the caller's buffering; checked only
                    lambda = new LambdaStep(arn, retries, (long)(megabytes * 1024 * 1024));
                    break;
                case "MetadataExtraction":
                    if (p.GetValueOrDefault("JsonParsingEngine") is { } engine && engine != "JQ-1.6")
                    {
                        throw new ProcessingConfigurationException($"JsonParsingEngine must be JQ-1.6, not '{engine}'.");
                    }
                    query = JqQuery.Parse(p.GetValueOrDefault("MetadataExtractionQuery")
                        ?? throw new ProcessingConfigurationException("The MetadataExtraction processor needs the parameter MetadataExtractionQuery."));
                    break;
                case "AppendDelimiterToRecord":
                    append = p.GetValueOrDefault("Delimiter") is { } delimiter ? Encoding.UTF8.GetBytes(Unescape(delimiter)) : "\n"u8.ToArray();
                    break;
                default:
                    throw new ProcessingConfigurationException($"Processor type {processor.Type} is not supported by Eddy (RecordDeAggregation, Lambda, MetadataExtraction, AppendDelimiterToRecord are).");
            }
        }
        return new FirehoseProcessor(context, invoker, time ?? TimeProvider.System, split, lambda, query, append);
    }

    /// <summary>Processes one buffered batch. Records out keep the input's order (a split record's pieces in place).</summary>
    public async Task<ProcessingOutcome> ProcessAsync(IReadOnlyList<SourceRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        List<ErrorDocument> errors = [];
        var work = Deaggregate(records);
        List<ProcessedRecord> processed;
        if (_lambda is { } lambda)
        {
            processed = [];
            foreach (var batch in Batches(work, lambda.BatchBytes))
            {
                await TransformAsync(lambda, batch, processed, errors, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            processed = [.. work.Select(r => new ProcessedRecord(r.RecordId, r.ArrivalTimestampMs, r.Data, s_noKeys, s_noKeys))];
        }
        if (_query is { } query)
        {
            List<ProcessedRecord> keyed = [];
            foreach (var record in processed)
            {
                var (keys, error) = query.Evaluate(record.Data);
                if (keys is null)
                {
                    errors.Add(Document(PartitioningFailed, record.RecordId, record.ArrivalTimestampMs, record.Data, 1,
                        "DynamicPartitioning.MetadataExtractionFailed", error!, lambdaArn: null));
                }
                else
                {
                    keyed.Add(record with { FromQuery = keys });
                }
            }
            processed = keyed;
        }
        if (_appendDelimiter is { } delimiter)
        {
            processed = [.. processed.Select(r => r with { Data = (byte[])[.. r.Data.Span, .. delimiter] })];
        }
        return new ProcessingOutcome(processed, errors);
    }

    /// <summary>KPL aggregates of stream-source records become their user records; then RecordDeAggregation splits.</summary>
    private List<SourceRecord> Deaggregate(IReadOnlyList<SourceRecord> records)
    {
        List<SourceRecord> result = [];
        foreach (var record in records)
        {
            if (record.Kinesis is { } kinesis && KplDeaggregator.TryDeaggregate(record.Data) is { } users)
            {
                for (var i = 0; i < users.Count; i++)
                {
                    var sub = i.ToString(CultureInfo.InvariantCulture);
                    Split(record with
                    {
                        RecordId = record.RecordId + "." + sub,
                        Data = users[i].Data,
                        Kinesis = kinesis with { PartitionKey = users[i].PartitionKey, SubsequenceNumber = sub },
                    }, result);
                }
            }
            else
            {
                Split(record, result);
            }
        }
        return result;
    }

    private void Split(SourceRecord record, List<SourceRecord> into)
    {
        if (_split is not { } split)
        {
            into.Add(record);
            return;
        }
        // A record that is not concatenated JSON goes on unchanged.
        var pieces = split.Json ? RecordSplitter.SplitJson(record.Data) : RecordSplitter.SplitDelimited(record.Data, split.Delimiter);
        if (pieces is null || pieces.Count <= 1)
        {
            into.Add(pieces is { Count: 1 } ? record with { Data = pieces[0] } : record);
            return;
        }
        for (var i = 0; i < pieces.Count; i++)
        {
            into.Add(record with { RecordId = record.RecordId + "-" + i.ToString(CultureInfo.InvariantCulture), Data = pieces[i] });
        }
    }

    /// <summary>Batches of at most <paramref name="maxDataBytes"/> of record data whose event stays under Lambda's 6 MB
    /// request limit (a record larger than either goes alone).</summary>
    private static IEnumerable<List<SourceRecord>> Batches(List<SourceRecord> records, long maxDataBytes)
    {
        List<SourceRecord> batch = [];
        long data = 0;
        long json = 512;
        foreach (var record in records)
        {
            var size = (record.Data.Length + 2) / 3 * 4L + record.RecordId.Length + 96 + (record.Kinesis is { } k ? k.PartitionKey.Length * 6 + k.SequenceNumber.Length + 200 : 0);
            if (batch.Count > 0 && (data + record.Data.Length > maxDataBytes || json + size > FunctionInvoker.LambdaPayloadLimit))
            {
                yield return batch;
                batch = [];
                data = 0;
                json = 512;
            }
            batch.Add(record);
            data += record.Data.Length;
            json += size;
        }
        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    private async Task TransformAsync(LambdaStep lambda, List<SourceRecord> batch, List<ProcessedRecord> processed, List<ErrorDocument> errors, CancellationToken cancellationToken)
    {
        var payload = Event(batch);
        var attempts = 0;
        (string Code, string Message) failure = ("", "");
        while (attempts <= lambda.Retries)
        {
            attempts++;
            var result = await _invoker.InvokeAsync(lambda.Arn, payload, cancellationToken).ConfigureAwait(false);
            if (result.Failure is { } invokeFailure)
            {
                failure = FailureOf(invokeFailure);
                continue;
            }
            var parsed = Response(result.Payload, batch);
            if (parsed.Failure is { } responseFailure)
            {
                failure = responseFailure;
                continue;
            }
            var end = _time.GetUtcNow().ToUnixTimeMilliseconds();
            foreach (var record in batch)
            {
                var (outcome, data, keys) = parsed.Results![record.RecordId];
                if (outcome == "Ok")
                {
                    processed.Add(new ProcessedRecord(record.RecordId, record.ArrivalTimestampMs, data, s_noKeys, keys));
                }
                else if (outcome == "ProcessingFailed")
                {
                    errors.Add(Document(ProcessingFailed, record.RecordId, record.ArrivalTimestampMs, record.Data, attempts,
                        "Lambda.ProcessingFailedStatus", "ProcessingFailed status set for record", lambda.Arn, end));
                }
            }
            return;
        }
        var ending = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var record in batch)
        {
            errors.Add(Document(ProcessingFailed, record.RecordId, record.ArrivalTimestampMs, record.Data, attempts, failure.Code, failure.Message, lambda.Arn, ending));
        }
    }

    /// <summary>The Firehose error code and message of an invocation failure (the spec's <c>Lambda.*</c> codes).</summary>
    private static (string, string) FailureOf(FunctionFailure failure) => failure.Kind switch
    {
        FunctionFailureKind.NotFound => ("Lambda.ResourceNotFound", failure.Message),
        FunctionFailureKind.Unreachable => ("Lambda.ServiceException", failure.Message),
        FunctionFailureKind.FunctionError => ("Lambda.FunctionError", "The Lambda function was successfully invoked but it returned an error result."),
        _ => ("Lambda.FunctionError", failure.Message),
    };

    /// <summary>The Lambda event, exactly as Firehose sends it (firehose.md §7).</summary>
    private byte[] Event(List<SourceRecord> batch)
    {
        var output = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteString("invocationId", Guid.NewGuid().ToString());
            w.WriteString("deliveryStreamArn", _context.DeliveryStreamArn);
            if (_context.SourceKinesisStreamArn is { } source)
            {
                w.WriteString("sourceKinesisStreamArn", source);
            }
            w.WriteString("region", _context.Region);
            w.WriteStartArray("records");
            foreach (var record in batch)
            {
                w.WriteStartObject();
                w.WriteString("recordId", record.RecordId);
                w.WriteNumber("approximateArrivalTimestamp", record.ArrivalTimestampMs);
                w.WriteBase64String("data", record.Data.Span);
                if (record.Kinesis is { } k)
                {
                    w.WriteStartObject("kinesisRecordMetadata");
                    w.WriteString("shardId", k.ShardId);
                    w.WriteString("partitionKey", k.PartitionKey);
                    w.WriteNumber("approximateArrivalTimestamp", k.ApproximateArrivalTimestampMs);
                    w.WriteString("sequenceNumber", k.SequenceNumber);
                    w.WriteString("subsequenceNumber", k.SubsequenceNumber);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return output.WrittenSpan.ToArray();
    }

    private sealed record Parsed(Dictionary<string, (string Result, ReadOnlyMemory<byte> Data, IReadOnlyDictionary<string, string> Keys)>? Results, (string, string)? Failure);

    /// <summary>Applies AWS's batch rules to the response: unparsable, an unknown id, a bad result or data → the whole
    /// invocation failed (Lambda.JsonProcessingException); a duplicate id → Lambda.DuplicatedRecordId; a missing id →
    /// Lambda.MissingRecordId.</summary>
    private static Parsed Response(ReadOnlyMemory<byte> payload, List<SourceRecord> batch)
    {
        var json = new Parsed(null, ("Lambda.JsonProcessingException", JsonProcessingMessage));
        var expected = batch.Select(r => r.RecordId).ToHashSet(StringComparer.Ordinal);
        Dictionary<string, (string, ReadOnlyMemory<byte>, IReadOnlyDictionary<string, string>)> results = new(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(payload);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("records", out var records) || records.ValueKind != JsonValueKind.Array)
            {
                return json;
            }
            var duplicate = false;
            foreach (var item in records.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || String(item, "recordId") is not { } id || !expected.Contains(id)
                    || String(item, "result") is not ({ } result and ("Ok" or "Dropped" or "ProcessingFailed")))
                {
                    return json;
                }
                ReadOnlyMemory<byte> data = default;
                IReadOnlyDictionary<string, string> keys = s_noKeys;
                if (result == "Ok")
                {
                    if (!item.TryGetProperty("data", out var d) || d.ValueKind != JsonValueKind.String || !d.TryGetBytesFromBase64(out var bytes))
                    {
                        return json;
                    }
                    data = bytes;
                    if (item.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                        && metadata.TryGetProperty("partitionKeys", out var partitionKeys))
                    {
                        if (partitionKeys.ValueKind != JsonValueKind.Object)
                        {
                            return json;
                        }
                        var map = new Dictionary<string, string>(StringComparer.Ordinal);
                        foreach (var key in partitionKeys.EnumerateObject())
                        {
                            map[key.Name] = key.Value.ValueKind == JsonValueKind.String ? key.Value.GetString()! : key.Value.GetRawText();
                        }
                        keys = map;
                    }
                }
                duplicate |= !results.TryAdd(id, (result, data, keys));
            }
            if (duplicate)
            {
                return new Parsed(null, ("Lambda.DuplicatedRecordId",
                    "Multiple records were returned with the same record Id. Ensure that the Lambda function returns a unique record Id for each record."));
            }
        }
        catch (JsonException)
        {
            return json;
        }
        return results.Count < expected.Count
            ? new Parsed(null, ("Lambda.MissingRecordId",
                "One or more record Ids were not returned. Ensure that the Lambda function returns all received record Ids."))
            : new Parsed(results, null);
    }

    private static string? String(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>One error document, with the fields in AWS's order: attemptsMade, arrivalTimestamp, errorCode,
    /// errorMessage, attemptEndingTimestamp, rawData (base64), lambdaArn (Lambda failures only). Timestamps are epoch ms.</summary>
    private ErrorDocument Document(string type, string recordId, long arrivalMs, ReadOnlyMemory<byte> raw, int attempts, string code, string message,
        string? lambdaArn, long? endingMs = null)
    {
        var output = new ArrayBufferWriter<byte>(256 + raw.Length * 4 / 3);
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteNumber("attemptsMade", attempts);
            w.WriteNumber("arrivalTimestamp", arrivalMs);
            w.WriteString("errorCode", code);
            w.WriteString("errorMessage", message);
            w.WriteNumber("attemptEndingTimestamp", endingMs ?? _time.GetUtcNow().ToUnixTimeMilliseconds());
            w.WriteBase64String("rawData", raw.Span);
            if (lambdaArn is not null)
            {
                w.WriteString("lambdaArn", lambdaArn);
            }
            w.WriteEndObject();
        }
        return new ErrorDocument(type, recordId, output.WrittenSpan.ToArray());
    }

    private static byte[] Base64Parameter(IReadOnlyDictionary<string, string> p, string name)
    {
        try
        {
            var bytes = Convert.FromBase64String(p.GetValueOrDefault(name) ?? throw new ProcessingConfigurationException($"SubRecordType DELIMITED needs the parameter {name} (base64)."));
            return bytes.Length > 0 ? bytes : throw new ProcessingConfigurationException($"{name} must not be empty.");
        }
        catch (FormatException)
        {
            throw new ProcessingConfigurationException($"{name} must be base64 (e.g. IyMjIw== for ####).");
        }
    }

    private static int IntParameter(IReadOnlyDictionary<string, string> p, string name, int fallback, int min, int max)
    {
        if (p.GetValueOrDefault(name) is not { } text)
        {
            return fallback;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ProcessingConfigurationException($"{name} must be an integer from {min} to {max}, not '{text}'.");
    }

    private static decimal DecimalParameter(IReadOnlyDictionary<string, string> p, string name, decimal fallback, decimal min, decimal max)
    {
        if (p.GetValueOrDefault(name) is not { } text)
        {
            return fallback;
        }
        return decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ProcessingConfigurationException($"{name} must be a number from {min} to {max}, not '{text}'.");
    }

    /// <summary>The Delimiter parameter as the console writes it: <c>\n</c>, <c>\t</c>, <c>\r</c>, <c>\\</c> escapes.</summary>
    private static string Unescape(string text) =>
        text.Replace("\\\\", "\u0000", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal)
            .Replace("\\t", "\t", StringComparison.Ordinal).Replace("\\r", "\r", StringComparison.Ordinal).Replace("\u0000", "\\", StringComparison.Ordinal);
}
