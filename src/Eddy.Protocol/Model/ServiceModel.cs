using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Eddy.Protocol.Model;

/// <summary>
/// A botocore <c>service-2.json</c> model loaded into an immutable, precomputed form
/// (shapes, constraints, compiled patterns) for fast request validation.
/// </summary>
public sealed class ServiceModel
{
    /// <summary>Manifest resource name of the embedded Kinesis model.</summary>
    public const string KinesisResourceName = "kinesis-2013-12-02.json";

    /// <summary>Manifest resource name of the embedded Firehose model.</summary>
    public const string FirehoseResourceName = "firehose-2015-08-04.json";

    private static readonly ConcurrentDictionary<string, Lazy<ServiceModel>> s_embedded = new(StringComparer.Ordinal);

    /// <summary>Where Eddy accepts more than the model (by <c>endpointPrefix.ShapeName</c>): the pattern matched instead of
    /// the model's, whose wording refusals keep. Firehose HTTP endpoint URLs may also be plain <c>http://</c> on a loopback
    /// host, for local receivers (AWS: https only).</summary>
    private static readonly FrozenDictionary<string, string> s_widenedPatterns = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["firehose.HttpEndpointUrl"] = @"https://.*|http://(127\.0\.0\.1|localhost|\[::1\])(:[0-9]{1,5})?([/?#].*)?",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private ServiceModel(
        string apiVersion,
        string endpointPrefix,
        string signingName,
        string? targetPrefix,
        string? jsonVersion,
        FrozenDictionary<string, Shape> shapes,
        FrozenDictionary<string, Operation> operations)
    {
        ApiVersion = apiVersion;
        EndpointPrefix = endpointPrefix;
        SigningName = signingName;
        TargetPrefix = targetPrefix;
        JsonVersion = jsonVersion;
        Shapes = shapes;
        Operations = operations;
    }

    /// <summary>The Kinesis model embedded in this assembly (loaded once, on first use).</summary>
    public static ServiceModel Kinesis => Embedded(KinesisResourceName);

    /// <summary>The Firehose model embedded in this assembly (loaded once, on first use).</summary>
    public static ServiceModel Firehose => Embedded(FirehoseResourceName);

    /// <summary>A botocore model embedded in this assembly (<c>Models/*.json</c>, by file name), loaded once.</summary>
    /// <exception cref="InvalidOperationException">No such resource.</exception>
    public static ServiceModel Embedded(string resourceName) =>
        s_embedded.GetOrAdd(resourceName, name => new Lazy<ServiceModel>(() => LoadEmbedded(name), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <summary>e.g. <c>2013-12-02</c>.</summary>
    public string ApiVersion { get; }

    /// <summary>e.g. <c>kinesis</c>.</summary>
    public string EndpointPrefix { get; }

    /// <summary>The service name of the SigV4 credential scope and of IAM actions, e.g. <c>kinesis</c>,
    /// <c>firehose</c> (metadata.signingName, else the endpoint prefix).</summary>
    public string SigningName { get; }

    /// <summary>e.g. <c>Kinesis_20131202</c> (the <c>X-Amz-Target</c> prefix).</summary>
    public string? TargetPrefix { get; }

    /// <summary>e.g. <c>1.1</c>.</summary>
    public string? JsonVersion { get; }

    public FrozenDictionary<string, Shape> Shapes { get; }

    /// <summary>Operations by name (case-sensitive, e.g. <c>PutRecords</c>).</summary>
    public FrozenDictionary<string, Operation> Operations { get; }

    public bool TryGetOperation(string name, [MaybeNullWhen(false)] out Operation operation) =>
        Operations.TryGetValue(name, out operation);

    /// <summary>Loads a botocore service-2.json document.</summary>
    /// <exception cref="InvalidDataException">The document is not a usable model.</exception>
    public static ServiceModel Load(Stream utf8Json)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        using var doc = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { MaxDepth = 256 });
        return Build(doc.RootElement);
    }

    private static ServiceModel LoadEmbedded(string resourceName)
    {
        using var stream = typeof(ServiceModel).Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"Embedded resource '{resourceName}' not found in {typeof(ServiceModel).Assembly.GetName().Name}.");
        return Load(stream);
    }

    private static ServiceModel Build(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("shapes", out var shapesJson) || shapesJson.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("operations", out var opsJson) || opsJson.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("Not a botocore service model: metadata, shapes and operations objects are required.");
        }

        var apiVersion = GetString(metadata, "apiVersion") ?? throw new InvalidDataException("metadata.apiVersion missing.");
        var endpointPrefix = GetString(metadata, "endpointPrefix") ?? throw new InvalidDataException("metadata.endpointPrefix missing.");
        var javaPackage = "com.amazonaws." + endpointPrefix + ".v" + apiVersion.Replace("-", "", StringComparison.Ordinal);

        // Pass 1: create every shape so that references (possibly cyclic) can be resolved.
        var shapes = new Dictionary<string, Shape>(StringComparer.Ordinal);
        foreach (var prop in shapesJson.EnumerateObject())
        {
            var typeName = GetString(prop.Value, "type") ?? throw new InvalidDataException($"Shape {prop.Name} has no type.");
            shapes[prop.Name] = new Shape(prop.Name, ParseType(typeName, prop.Name));
        }

        // Pass 2: members, references and constraints.
        var regexCache = new Dictionary<string, Regex>(StringComparer.Ordinal);
        foreach (var prop in shapesJson.EnumerateObject())
        {
            var json = prop.Value;
            var shape = shapes[prop.Name];
            switch (shape.Type)
            {
                case ShapeType.Structure:
                    {
                        var required = new HashSet<string>(StringComparer.Ordinal);
                        if (json.TryGetProperty("required", out var req) && req.ValueKind == JsonValueKind.Array)
                        {
                            foreach (var r in req.EnumerateArray())
                            {
                                required.Add(r.GetString() ?? "");
                            }
                        }

                        var members = ImmutableArray.CreateBuilder<Member>();
                        if (json.TryGetProperty("members", out var membersJson) && membersJson.ValueKind == JsonValueKind.Object)
                        {
                            foreach (var m in membersJson.EnumerateObject())
                            {
                                members.Add(new Member(m.Name, Resolve(shapes, m.Value, prop.Name), required.Contains(m.Name)));
                            }
                        }

                        shape.SetStructure(members.ToImmutable());
                        break;
                    }

                case ShapeType.List:
                    shape.SetList(Resolve(shapes, Get(json, "member", prop.Name), prop.Name));
                    break;
                case ShapeType.Map:
                    shape.SetMap(
                        Resolve(shapes, Get(json, "key", prop.Name), prop.Name),
                        Resolve(shapes, Get(json, "value", prop.Name), prop.Name));
                    break;
                default:
                    break;
            }

            var pattern = GetString(json, "pattern");
            Regex? regex = null;
            var matched = pattern is null ? null : s_widenedPatterns.GetValueOrDefault(endpointPrefix + "." + prop.Name, pattern);
            if (matched is not null && !regexCache.TryGetValue(matched, out regex))
            {
                regex = JavaPattern.Compile(matched);
                regexCache[matched] = regex;
            }

            var enumValues = ImmutableArray<string>.Empty;
            if (json.TryGetProperty("enum", out var enumJson) && enumJson.ValueKind == JsonValueKind.Array)
            {
                var b = ImmutableArray.CreateBuilder<string>(enumJson.GetArrayLength());
                foreach (var e in enumJson.EnumerateArray())
                {
                    b.Add(e.GetString() ?? "");
                }

                enumValues = b.MoveToImmutable();
            }

            shape.SetConstraints(GetBound(json, "min"), GetBound(json, "max"), pattern, regex, enumValues, javaPackage);
        }

        var operations = new Dictionary<string, Operation>(StringComparer.Ordinal);
        foreach (var prop in opsJson.EnumerateObject())
        {
            Shape? input = prop.Value.TryGetProperty("input", out var inRef) ? Resolve(shapes, inRef, prop.Name) : null;
            Shape? output = prop.Value.TryGetProperty("output", out var outRef) ? Resolve(shapes, outRef, prop.Name) : null;
            operations[prop.Name] = new Operation(prop.Name, input, output);
        }

        return new ServiceModel(
            apiVersion,
            endpointPrefix,
            GetString(metadata, "signingName") ?? endpointPrefix,
            GetString(metadata, "targetPrefix"),
            GetString(metadata, "jsonVersion"),
            shapes.ToFrozenDictionary(StringComparer.Ordinal),
            operations.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private static ShapeType ParseType(string type, string shapeName) => type switch
    {
        "structure" => ShapeType.Structure,
        "string" => ShapeType.String,
        "integer" => ShapeType.Integer,
        "long" => ShapeType.Long,
        "boolean" => ShapeType.Boolean,
        "blob" => ShapeType.Blob,
        "timestamp" => ShapeType.Timestamp,
        "list" => ShapeType.List,
        "map" => ShapeType.Map,
        "double" => ShapeType.Double,
        "float" => ShapeType.Float,
        _ => throw new InvalidDataException($"Shape {shapeName} has unsupported type '{type}'."),
    };

    private static JsonElement Get(JsonElement obj, string name, string context) =>
        obj.TryGetProperty(name, out var v) ? v : throw new InvalidDataException($"{context}: '{name}' missing.");

    private static Shape Resolve(Dictionary<string, Shape> shapes, JsonElement reference, string context)
    {
        var name = GetString(reference, "shape") ?? throw new InvalidDataException($"{context}: shape reference without 'shape'.");
        return shapes.TryGetValue(name, out var s) ? s : throw new InvalidDataException($"{context}: unknown shape '{name}'.");
    }

    private static string? GetString(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : null;

    private static long? GetBound(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Number)
        {
            return null;
        }

        if (v.TryGetInt64(out var l))
        {
            return l;
        }

        return (long)Math.Truncate(v.GetDouble());
    }
}
