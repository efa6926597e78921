using System.Text.Json;
using Eddy.Core.Firehose;
using Eddy.Core.Functions;
using CoreProcessed = Eddy.Core.Firehose.ProcessedRecord;

namespace Eddy.Functions.Firehose;

/// <summary>
/// The Firehose engine's processing step (<see cref="IFirehoseProcessor"/>) run by <see cref="FirehoseProcessor"/>: the
/// delivery stream's <c>ProcessingConfiguration</c> JSON becomes its processors, Lambda processors call functions through
/// the <see cref="IFunctionInvoker"/> (<c>eddy serve --function NAME=URL</c>). Records out carry their partition keys
/// named <c>partitionKeyFromQuery:KEY</c> / <c>partitionKeyFromLambda:KEY</c>; error documents become
/// <see cref="FailedRecord"/>s with their error output type and AWS's JSON line.
/// </summary>
/// <remarks>
/// Threading: stateless between calls (the processors are compiled per call from the configuration, which an
/// UpdateDestination may change; <see cref="Validate"/> checks it at CreateDeliveryStream and UpdateDestination); calls for different delivery streams run concurrently. Failure: a configuration
/// <see cref="FirehoseProcessor.Create"/> refuses throws <see cref="ProcessingConfigurationException"/> (the flush fails);
/// bad records and failing functions become failed records. Cancellation: <see cref="OperationCanceledException"/>.
/// </remarks>
public sealed class FunctionsFirehoseProcessor(IFunctionInvoker invoker, TimeProvider? time = null) : IFirehoseProcessor
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async ValueTask<ProcessingResult> ProcessAsync(ProcessingContext context, IReadOnlyList<FirehoseRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(records);
        var processor = FirehoseProcessor.Create(Processors(context.ProcessingConfigurationJson),
            new DeliveryContext(context.DeliveryStreamArn, RegionOf(context.DeliveryStreamArn), context.SourceKinesisStreamArn), invoker, _time);
        var outcome = await processor.ProcessAsync([.. records.Select(r => new SourceRecord(r.RecordId, r.ArrivalMs, r.Data, r.Kinesis))], cancellationToken).ConfigureAwait(false);
        var delivered = outcome.Records.Select(r => new CoreProcessed(r.RecordId, r.ArrivalTimestampMs, r.Data, Keys(r))).ToList();
        var byId = records.ToDictionary(r => r.RecordId, StringComparer.Ordinal);
        var failed = outcome.Errors.Select(e => Failed(e, byId, records)).ToList();
        return new ProcessingResult(delivered, failed);
    }

    /// <summary>Compiles the processors (and throws <see cref="ProcessingConfigurationException"/>, InvalidArgumentException,
    /// for what Eddy cannot run) without running them.</summary>
    public void Validate(string processingConfigurationJson) =>
        FirehoseProcessor.Create(Processors(processingConfigurationJson), new DeliveryContext("arn:aws:firehose:us-east-1:000000000000:deliverystream/check", "us-east-1"), invoker, _time);

    /// <summary>The processors of a <c>ProcessingConfiguration</c> (<c>{"Enabled":true,"Processors":[{"Type":..,
    /// "Parameters":[{"ParameterName":..,"ParameterValue":..}]}]}</c>); none when it is disabled.</summary>
    public static IReadOnlyList<ProcessorSpec> Processors(string processingConfigurationJson)
    {
        using var document = JsonDocument.Parse(processingConfigurationJson);
        var root = document.RootElement;
        if (!root.TryGetProperty("Enabled", out var enabled) || enabled.ValueKind != JsonValueKind.True
            || !root.TryGetProperty("Processors", out var processors) || processors.ValueKind != JsonValueKind.Array)
        {
            return [];
        }
        List<ProcessorSpec> specs = [];
        foreach (var p in processors.EnumerateArray())
        {
            var type = p.TryGetProperty("Type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()!
                : throw new ProcessingConfigurationException("Every processor needs a Type.");
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            if (p.TryGetProperty("Parameters", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var parameter in list.EnumerateArray())
                {
                    if (parameter.TryGetProperty("ParameterName", out var name) && name.ValueKind == JsonValueKind.String
                        && parameter.TryGetProperty("ParameterValue", out var value) && value.ValueKind == JsonValueKind.String)
                    {
                        parameters[name.GetString()!] = value.GetString()!;
                    }
                }
            }
            specs.Add(new ProcessorSpec(type, parameters));
        }
        return specs;
    }

    private static string RegionOf(string arn)
    {
        var parts = arn.Split(':');
        return parts.Length > 3 && parts[3].Length > 0 ? parts[3] : "us-east-1";
    }

    private static Dictionary<string, string>? Keys(ProcessedRecord record)
    {
        if (record.FromQuery.Count == 0 && record.FromLambda.Count == 0)
        {
            return null;
        }
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in record.FromQuery)
        {
            keys["partitionKeyFromQuery:" + name] = value;
        }
        foreach (var (name, value) in record.FromLambda)
        {
            keys["partitionKeyFromLambda:" + name] = value;
        }
        return keys;
    }

    /// <summary>An error document as a failed record: the input it came from (a de-aggregated piece's id extends its
    /// record's id), the code and message from the document.</summary>
    private static FailedRecord Failed(ErrorDocument error, Dictionary<string, FirehoseRecord> byId, IReadOnlyList<FirehoseRecord> records)
    {
        var source = byId.GetValueOrDefault(error.RecordId)
            ?? records.FirstOrDefault(r => error.RecordId.StartsWith(r.RecordId, StringComparison.Ordinal))
            ?? new FirehoseRecord(error.RecordId, 0, ReadOnlyMemory<byte>.Empty);
        using var document = JsonDocument.Parse(error.Json);
        var code = document.RootElement.TryGetProperty("errorCode", out var c) ? c.GetString() ?? "" : "";
        var message = document.RootElement.TryGetProperty("errorMessage", out var m) ? m.GetString() ?? "" : "";
        return new FailedRecord(source, code, message, error.ErrorOutputType, error.Json);
    }
}
