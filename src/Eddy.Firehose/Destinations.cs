using System.Text.Json;
using System.Text.Json.Nodes;
using Eddy.Core.Firehose;
using Eddy.Firehose.Delivery;

namespace Eddy.Firehose;

/// <summary>
/// A delivery stream's destination as stored: its kind (the model's member name without <c>DestinationConfiguration</c>:
/// <c>ExtendedS3</c>, <c>Redshift</c>, <c>HttpEndpoint</c>, ...) and its configuration object (for S3, AWS's defaults
/// filled in). The stored JSON is <c>{"&lt;kind&gt;": {...}}</c>. Immutable once made.
/// </summary>
internal sealed class Destination
{
    private const string ConfigurationSuffix = "DestinationConfiguration";
    private const string UpdateSuffix = "DestinationUpdate";

    private Destination(string kind, JsonObject configuration)
    {
        Kind = kind;
        Configuration = configuration;
        S3 = kind == "ExtendedS3" ? S3Settings.From(configuration) : configuration["S3Configuration"] is JsonObject s3 ? S3Settings.From(s3) : null;
        var hints = (kind == "Redshift" ? configuration["S3Configuration"]?["BufferingHints"] : configuration["BufferingHints"]) as JsonObject;
        Buffering = new Buffering(
            ((long?)hints?["SizeInMBs"] ?? 5) * 1024 * 1024,
            TimeSpan.FromSeconds((int?)hints?["IntervalInSeconds"] ?? (kind == "Splunk" ? 60 : 300)));
        Processing = configuration["ProcessingConfiguration"] is JsonObject processing && (bool?)processing["Enabled"] == true ? processing : null;
        var backupMode = (string?)configuration["S3BackupMode"];
        Backup = backupMode switch
        {
            "Enabled" when configuration["S3BackupConfiguration"] is JsonObject backup => S3Settings.From(backup),
            "AllData" or "AllDocuments" or "AllEvents" => S3,
            _ => null,
        };
    }

    /// <summary>The model's member name without <c>DestinationConfiguration</c>: <c>ExtendedS3</c>, <c>HttpEndpoint</c>, ...</summary>
    public string Kind { get; }

    /// <summary>The configuration as stored (AWS's defaults filled in); never modified.</summary>
    public JsonObject Configuration { get; }

    /// <summary>The S3 settings of the destination's objects: an ExtendedS3 destination's own, or the
    /// <c>S3Configuration</c> (intermediate bucket, backup and error output) of the others; null when there is none.</summary>
    public S3Settings? S3 { get; }

    /// <summary>When a flush is due: the destination's buffering hints (Redshift: its intermediate S3's), AWS's defaults
    /// when absent.</summary>
    public Buffering Buffering { get; }

    /// <summary>The <c>ProcessingConfiguration</c> when it is enabled, else null.</summary>
    public JsonObject? Processing { get; }

    /// <summary>Where every source record is also written, as received (S3BackupMode <c>Enabled</c> with its
    /// <c>S3BackupConfiguration</c>, or <c>AllData</c>/<c>AllDocuments</c>/<c>AllEvents</c> to <see cref="S3"/>); null when
    /// only failed records are backed up.</summary>
    public S3Settings? Backup { get; }

    public string ToJson() => new JsonObject { [Kind] = Configuration.DeepClone() }.ToJsonString();

    public static Destination FromJson(string json)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        var (kind, value) = root.Single();
        return new Destination(kind, value!.AsObject());
    }

    /// <summary>A destination of CreateDeliveryStream, validated and normalized (the deprecated S3 shape becomes
    /// ExtendedS3, as AWS describes both the same way).</summary>
    public static Destination FromCreate(DestinationInput input)
    {
        var kind = input.Member.EndsWith(ConfigurationSuffix, StringComparison.Ordinal) ? input.Member[..^ConfigurationSuffix.Length] : input.Member;
        var configuration = JsonNode.Parse(input.Json)!.AsObject();
        if (kind == "S3")
        {
            kind = "ExtendedS3";
        }
        return Make(kind, configuration);
    }

    /// <summary>This destination changed by an UpdateDestination member: merged when of the same kind (members absent from
    /// the update keep their values), replaced otherwise.</summary>
    public Destination Update(DestinationInput input)
    {
        var kind = input.Member.EndsWith(UpdateSuffix, StringComparison.Ordinal) ? input.Member[..^UpdateSuffix.Length] : input.Member;
        if (kind == "S3")
        {
            kind = "ExtendedS3";
        }
        var update = Renamed(JsonNode.Parse(input.Json)!.AsObject(), ("S3Update", "S3Configuration"), ("S3BackupUpdate", "S3BackupConfiguration"));
        var searchKinds = new[] { "Elasticsearch", "Amazonopensearchservice" };
        if (kind != Kind && (searchKinds.Contains(kind) || searchKinds.Contains(Kind)) && !(searchKinds.Contains(kind) && searchKinds.Contains(Kind)))
        {
            throw FirehoseException.Invalid("Elasticsearch and OpenSearch destinations can only be updated to Elasticsearch or OpenSearch destinations.");
        }
        if (SearchSettings.IsSearchKind(kind) && SearchSettings.IsSearchKind(Kind))
        {
            SearchSettings.KeepBackupMode(Configuration, update);
        }
        var merged = update;
        if (kind == Kind)
        {
            merged = Configuration.DeepClone().AsObject();
            Merge(merged, update);
        }
        DynamicPartitioning.CheckUpdate(this, kind, merged);
        return Make(kind, merged, kind == Kind ? Configuration : null);
    }

    /// <summary>The <c>DestinationDescription</c> object: id and the description member(s); secrets left out.</summary>
    public void WriteDescription(Utf8JsonWriter w, string destinationId)
    {
        w.WriteStartObject();
        w.WriteString("DestinationId", destinationId);
        var description = Renamed(Configuration.DeepClone().AsObject(), ("S3Configuration", "S3DestinationDescription"), ("S3BackupConfiguration", "S3BackupDescription"));
        description.Remove("Password");
        if (description["EndpointConfiguration"] is JsonObject endpoint)
        {
            endpoint.Remove("AccessKey");
        }
        if (Kind == "ExtendedS3")
        {
            w.WritePropertyName("S3DestinationDescription");
            var plain = new JsonObject();
            foreach (var name in (string[])["RoleARN", "BucketARN", "Prefix", "ErrorOutputPrefix", "BufferingHints", "CompressionFormat", "EncryptionConfiguration", "CloudWatchLoggingOptions"])
            {
                if (description[name] is { } value)
                {
                    plain[name] = value.DeepClone();
                }
            }
            plain.WriteTo(w);
        }
        w.WritePropertyName(Kind + "DestinationDescription");
        description.WriteTo(w);
        w.WriteEndObject();
    }

    private static Destination Make(string kind, JsonObject configuration, JsonObject? previous = null)
    {
        if (kind == "ExtendedS3")
        {
            ParquetConversion.FillDefaults(configuration);
            FillS3Defaults(configuration, extended: true);
        }
        else if (configuration["S3Configuration"] is JsonObject intermediate)
        {
            FillS3Defaults(intermediate, extended: false);
        }
        DestinationWriters.Prepare(kind, configuration, previous);
        var destination = new Destination(kind, configuration);
        destination.S3?.Validate();
        return destination;
    }

    /// <summary>AWS's defaults for an S3 destination (shared/specs/firehose.md §2.1, §13.1).</summary>
    private static void FillS3Defaults(JsonObject s3, bool extended)
    {
        if (s3["BufferingHints"] is JsonObject hints)
        {
            if (hints["SizeInMBs"] is null || hints["IntervalInSeconds"] is null)
            {
                throw FirehoseException.Invalid("BufferingHints must specify both SizeInMBs and IntervalInSeconds.");
            }
        }
        else
        {
            s3["BufferingHints"] = JsonNode.Parse("""{"SizeInMBs":5,"IntervalInSeconds":300}""");
        }
        s3["CompressionFormat"] ??= "UNCOMPRESSED";
        s3["EncryptionConfiguration"] ??= new JsonObject { ["NoEncryptionConfig"] = "NoEncryption" };
        s3["CloudWatchLoggingOptions"] ??= new JsonObject { ["Enabled"] = false };
        if (extended)
        {
            s3["S3BackupMode"] ??= "Disabled";
        }
    }

    private static JsonObject Renamed(JsonObject obj, params (string From, string To)[] renames)
    {
        foreach (var (from, to) in renames)
        {
            if (obj[from] is { } value)
            {
                obj.Remove(from);
                obj[to] = value;
            }
        }
        return obj;
    }

    private static void Merge(JsonObject target, JsonObject update)
    {
        foreach (var (name, value) in update.ToList())
        {
            if (value is JsonObject child && target[name] is JsonObject existing)
            {
                Merge(existing, child);
            }
            else
            {
                target[name] = value?.DeepClone();
            }
        }
    }
}

/// <summary>A flush is due when the buffer holds <paramref name="SizeBytes"/> or its oldest record is
/// <paramref name="Interval"/> old, whichever comes first.</summary>
internal readonly record struct Buffering(long SizeBytes, TimeSpan Interval);

/// <summary>What writing objects to S3 needs from an S3 configuration (ExtendedS3, or another destination's
/// <c>S3Configuration</c> / <c>S3BackupConfiguration</c>).</summary>
internal sealed record S3Settings(
    string Bucket,
    string? Prefix,
    string? ErrorOutputPrefix,
    string Compression,
    string? FileExtension,
    TimeSpan? PartitioningRetry = null)
{
    /// <summary>Whether dynamic partitioning is enabled (an ExtendedS3 destination's <c>DynamicPartitioningConfiguration</c>):
    /// a flush becomes one object per partition, whose puts are retried for <see cref="PartitioningRetry"/>.</summary>
    public bool Partitioned => PartitioningRetry is not null;

    public static S3Settings From(JsonObject s3)
    {
        var arn = (string?)s3["BucketARN"] ?? "";
        return new S3Settings(
            arn[(arn.IndexOf(":::", StringComparison.Ordinal) + 3)..],
            (string?)s3["Prefix"],
            (string?)s3["ErrorOutputPrefix"],
            (string?)s3["CompressionFormat"] ?? "UNCOMPRESSED",
            (string?)s3["FileExtension"],
            DynamicPartitioning.RetryOf(s3));
    }

    /// <summary>The extension of this configuration's objects.</summary>
    public string Extension => ObjectKeys.Extension(Compression, FileExtension);

    /// <summary>The custom prefix rules of shared/specs/firehose.md §6.2.</summary>
    public void Validate()
    {
        var prefix = ObjectKeys.Parse(Prefix ?? "", "Prefix");
        var error = ObjectKeys.Parse(ErrorOutputPrefix ?? "", "ErrorOutputPrefix");
        if (prefix.Any(p => p.IsErrorOutputType))
        {
            throw FirehoseException.Invalid("The '!{firehose:error-output-type}' expression is only allowed in ErrorOutputPrefix.");
        }
        if (prefix.Any(p => p.IsExpression) && string.IsNullOrEmpty(ErrorOutputPrefix))
        {
            throw FirehoseException.Invalid("ErrorOutputPrefix cannot be null or empty when Prefix contains expressions.");
        }
        if (error.Any(p => p.IsExpression) && !error.Any(p => p.IsErrorOutputType))
        {
            throw FirehoseException.Invalid("ErrorOutputPrefix must contain the '!{firehose:error-output-type}' expression when it contains expressions.");
        }
        if (error.Any(p => p.IsPartitionKey))
        {
            throw FirehoseException.Invalid("Partition key expressions are not allowed in ErrorOutputPrefix.");
        }
        DynamicPartitioning.Validate(this, prefix);
    }
}
