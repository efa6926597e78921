using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Eddy.Core.Firehose;
using Eddy.Core.Glue;
using Parquet;
using Parquet.Serialization;

namespace Eddy.Firehose.Delivery;

/// <summary>
/// Record format conversion of an ExtendedS3 destination (<c>DataFormatConversionConfiguration</c>,
/// shared/specs/firehose.md §6.5): each record, one JSON object, becomes a row of the Glue table's columns, and a flush's
/// rows become one Parquet object (Parquet.Net; compression inside the file: SNAPPY by default, GZIP, UNCOMPRESSED).
/// Deserializers: OpenX JSON SerDe and Hive JSON SerDe; serializer: Parquet SerDe (ORC is refused).
/// </summary>
/// <remarks>
/// <para><b>When.</b> Checked at CreateDeliveryStream and UpdateDestination: <see cref="Prepare"/> (configuration alone,
/// AWS's buffering default of 128 MiB and minimum of 64 MiB) and <see cref="CheckTableAsync"/> (the table exists and
/// its types convert). At delivery, <see cref="ConvertAsync"/> reads the table version again; a table that cannot be
/// read then is retried until it can (the S3 rule), records that do not convert go to <c>format-conversion-failed</c>.</para>
/// <para><b>Threading.</b> Stateless; one call per flush.</para>
/// </remarks>
internal static class ParquetConversion
{
    /// <summary>The error output type of records that did not convert.</summary>
    public const string FormatConversionFailed = "format-conversion-failed";

    private const string MalformedData = "DataFormatConversion.MalformedData";

    /// <summary>The enabled <c>DataFormatConversionConfiguration</c> of an ExtendedS3 configuration, else null.</summary>
    public static JsonObject? Of(JsonObject configuration) =>
        configuration["DataFormatConversionConfiguration"] is JsonObject conversion && (bool?)conversion["Enabled"] != false ? conversion : null;

    /// <summary>AWS's buffering default with conversion on (128 MiB, 300 s), filled in before S3's own defaults.</summary>
    public static void FillDefaults(JsonObject configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (Of(configuration) is not null && configuration["BufferingHints"] is null)
        {
            configuration["BufferingHints"] = JsonNode.Parse("""{"SizeInMBs":128,"IntervalInSeconds":300}""");
        }
    }

    /// <summary>The checks that need no Glue table (InvalidArgumentException): schema names, one deserializer, the Parquet
    /// serializer, S3 compression off (Parquet compresses inside the file), buffer size at least 64 MiB.</summary>
    public static void Prepare(JsonObject configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (Of(configuration) is not { } conversion)
        {
            return;
        }
        if (conversion["SchemaConfiguration"] is not JsonObject schema || string.IsNullOrEmpty((string?)schema["DatabaseName"]) || string.IsNullOrEmpty((string?)schema["TableName"]))
        {
            throw FirehoseException.Invalid("SchemaConfiguration with DatabaseName and TableName is required when DataFormatConversionConfiguration is enabled.");
        }
        var deserializer = conversion["InputFormatConfiguration"]?["Deserializer"] as JsonObject;
        if (deserializer is null || deserializer.Count(p => p.Value is not null) != 1)
        {
            throw FirehoseException.Invalid("InputFormatConfiguration.Deserializer must specify exactly one of OpenXJsonSerDe and HiveJsonSerDe.");
        }
        var serializer = conversion["OutputFormatConfiguration"]?["Serializer"] as JsonObject;
        if (serializer is null || serializer.Count(p => p.Value is not null) != 1)
        {
            throw FirehoseException.Invalid("OutputFormatConfiguration.Serializer must specify exactly one of ParquetSerDe and OrcSerDe.");
        }
        if (serializer["OrcSerDe"] is not null)
        {
            throw FirehoseException.Invalid("OrcSerDe is not supported by Eddy: use ParquetSerDe for record format conversion.");
        }
        if ((string?)configuration["CompressionFormat"] is { } compression and not "UNCOMPRESSED")
        {
            throw FirehoseException.Invalid($"CompressionFormat {compression} is not supported when DataFormatConversionConfiguration is enabled; choose the compression in ParquetSerDe.Compression and set CompressionFormat to UNCOMPRESSED.");
        }
        if ((int?)configuration["BufferingHints"]?["SizeInMBs"] is < 64)
        {
            throw FirehoseException.Invalid("BufferingHints.SizeInMBs must be at least 64 when DataFormatConversionConfiguration is enabled.");
        }
    }

    /// <summary>At CreateDeliveryStream and UpdateDestination: the table must exist and its types convert
    /// (InvalidArgumentException); without a Glue catalog on this server conversion cannot run.</summary>
    public static async Task CheckTableAsync(Destination destination, IGlueDataCatalog? glue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Kind != "ExtendedS3" || Of(destination.Configuration) is not { } conversion)
        {
            return;
        }
        if (glue is null)
        {
            throw FirehoseException.Invalid("DataFormatConversionConfiguration is not supported by this server: it has no Glue Data Catalog.");
        }
        try
        {
            await TableAsync(conversion, glue, cancellationToken).ConfigureAwait(false);
        }
        catch (GlueException e) when (e.ErrorType == GlueException.EntityNotFound)
        {
            var schema = conversion["SchemaConfiguration"]!;
            throw FirehoseException.Invalid($"The Glue table {(string?)schema["DatabaseName"]}.{(string?)schema["TableName"]} could not be read for DataFormatConversionConfiguration: {e.ErrorMessage}");
        }
    }

    /// <summary>
    /// Converts the flush's records: the Parquet object's content (null when no record converted) and the records that
    /// did not convert, as <c>format-conversion-failed</c> error records. Null when conversion is off. Reading the
    /// table is retried until it succeeds (the flush stays pending meanwhile).
    /// </summary>
    public static async Task<(byte[]? Body, IReadOnlyList<FailedRecord> Failed)?> ConvertAsync(Flush flush, IReadOnlyList<ProcessedRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(flush);
        ArgumentNullException.ThrowIfNull(records);
        if (flush.Destination.Kind != "ExtendedS3" || Of(flush.Destination.Configuration) is not { } conversion)
        {
            return null;
        }
        var (table, schema) = await ReadTableAsync(flush, conversion, cancellationToken).ConfigureAwait(false);
        var rows = new List<IDictionary<string, object?>>(records.Count);
        var failed = new List<FailedRecord>();
        foreach (var record in records)
        {
            try
            {
                rows.Add(table.Row(record.Data.Span));
            }
            catch (FormatException e)
            {
                failed.Add(Failure(flush, record, schema, e.Message));
            }
        }
        if (rows.Count == 0)
        {
            return (null, failed);
        }
        using var output = new MemoryStream();
        var options = new ParquetOptions { CompressionMethod = CompressionOf(conversion) };
        await ParquetSerializer.SerializeUntypedAsync(rows, table.Schema, output, options, cancellationToken: cancellationToken).ConfigureAwait(false);
        return (output.ToArray(), failed);
    }

    private static async Task<(ParquetTable Table, GlueTableSchema Schema)> ReadTableAsync(Flush flush, JsonObject conversion, CancellationToken cancellationToken)
    {
        var retry = flush.Retry(null);
        while (true)
        {
            try
            {
                if (flush.Glue is not { } glue)
                {
                    throw new InvalidOperationException("No Glue Data Catalog is registered.");
                }
                var result = await TableAsync(conversion, glue, cancellationToken).ConfigureAwait(false);
                retry.Succeeded();
                return result;
            }
            catch (Exception e) when (e is GlueException or FirehoseException or InvalidOperationException)
            {
                var schema = conversion["SchemaConfiguration"]!;
                await retry.FailedAsync($"reading the Glue table {(string?)schema["DatabaseName"]}.{(string?)schema["TableName"]}", e.Message, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task<(ParquetTable Table, GlueTableSchema Schema)> TableAsync(JsonObject conversion, IGlueDataCatalog glue, CancellationToken cancellationToken)
    {
        var schema = conversion["SchemaConfiguration"]!;
        var table = await glue.GetTableSchemaAsync((string?)schema["CatalogId"], (string)schema["DatabaseName"]!, (string)schema["TableName"]!,
            (string?)schema["VersionId"], cancellationToken).ConfigureAwait(false);
        var deserializer = conversion["InputFormatConfiguration"]!["Deserializer"]!;
        if (deserializer["HiveJsonSerDe"] is JsonObject hive)
        {
            var formats = (hive["TimestampFormats"] as JsonArray)?.Select(f => (string)f!).ToList();
            return (ParquetTable.Of(table, JsonKeys.Hive, new TimestampParser(formats is { Count: > 0 } ? formats : null)), table);
        }
        var openX = deserializer["OpenXJsonSerDe"] as JsonObject ?? [];
        var mappings = (openX["ColumnToJsonKeyMappings"] as JsonObject)?.ToDictionary(p => p.Key.ToLowerInvariant(), p => (string)p.Value!, StringComparer.Ordinal)
            ?? [];
        var keys = new JsonKeys((bool?)openX["CaseInsensitive"] ?? true, (bool?)openX["ConvertDotsInJsonKeysToUnderscores"] ?? false, mappings);
        return (ParquetTable.Of(table, keys, new TimestampParser(null)), table);
    }

    private static CompressionMethod CompressionOf(JsonObject conversion) =>
        (string?)conversion["OutputFormatConfiguration"]?["Serializer"]?["ParquetSerDe"]?["Compression"] switch
        {
            "UNCOMPRESSED" => CompressionMethod.None,
            "GZIP" => CompressionMethod.Gzip,
            _ => CompressionMethod.Snappy,
        };

    /// <summary>A record that did not convert, with AWS's <c>format-conversion-failed</c> fields (§6.3).</summary>
    private static FailedRecord Failure(Flush flush, ProcessedRecord record, GlueTableSchema schema, string message)
    {
        var region = flush.DeliveryStreamArn.Split(':') is { Length: > 3 } parts ? parts[3] : "";
        using var output = new MemoryStream();
        using (var w = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteNumber("attemptsMade", 1);
            w.WriteNumber("arrivalTimestamp", record.ArrivalMs);
            w.WriteString("lastErrorCode", MalformedData);
            w.WriteString("lastErrorMessage", message);
            w.WriteNumber("attemptEndingTimestamp", flush.NowMs);
            w.WriteBase64String("rawData", record.Data.Span);
            w.WriteNull("sequenceNumber");
            w.WriteNull("subSequenceNumber");
            w.WriteStartObject("dataCatalogTable");
            w.WriteString("catalogId", schema.CatalogId);
            w.WriteString("databaseName", schema.DatabaseName);
            w.WriteString("tableName", schema.TableName);
            w.WriteString("region", region);
            w.WriteString("versionId", schema.VersionId);
            w.WriteString("catalogArn", $"arn:aws:glue:{region}:{schema.CatalogId}:catalog");
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return new FailedRecord(new FirehoseRecord(record.RecordId, record.ArrivalMs, record.Data), MalformedData, message, FormatConversionFailed, output.ToArray());
    }
}
