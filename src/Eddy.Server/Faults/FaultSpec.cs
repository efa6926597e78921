using System.Globalization;
using System.Text.Json;
using Eddy.Core;
using Eddy.Protocol;

namespace Eddy.Server.Faults;

/// <summary>
/// What a fault rule asks for: where it applies (a stream or every stream, all actions or some) and its effects
/// (an error at a rate, added latency, forced throttling), for how long (a duration, a number of firings, or until
/// removed). The JSON form is the admin endpoint's (<c>POST /_eddy/faults</c>).
/// </summary>
public sealed record FaultSpec
{
    /// <summary>The stream the rule applies to; null: every stream (and requests that name none).</summary>
    public string? Stream { get; init; }

    /// <summary>The actions the rule applies to; null: every action.</summary>
    public IReadOnlySet<KinesisAction>? Actions { get; init; }

    /// <summary>The error to answer with, at <see cref="Rate"/>.</summary>
    public ErrorCode? Error { get; init; }

    /// <summary>Probability (0..1) that a matching request gets <see cref="Error"/> or, with <see cref="Throttle"/>, is throttled.</summary>
    public double Rate { get; init; } = 1.0;

    /// <summary>The error message; null: the message AWS sends for that error (where known).</summary>
    public string? Message { get; init; }

    /// <summary>Added latency in milliseconds (the minimum when <see cref="LatencyMaxMs"/> is set).</summary>
    public int LatencyMs { get; init; }

    /// <summary>Upper bound of a uniformly drawn latency; null: exactly <see cref="LatencyMs"/>.</summary>
    public int? LatencyMaxMs { get; init; }

    /// <summary>Data-plane calls (PutRecord, PutRecords, GetRecords, GetShardIterator) are refused with
    /// ProvisionedThroughputExceededException ("Rate exceeded for shard ..."), at <see cref="Rate"/>.</summary>
    public bool Throttle { get; init; }

    /// <summary>The rule is removed this long after it was added; null: never.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>The rule is removed after firing this many times (a request it delayed or refused); null: never.</summary>
    public int? Count { get; init; }

    /// <summary>Seed of the rule's own random generator, for reproducible runs; null: unseeded.</summary>
    public int? Seed { get; init; }

    /// <summary>Actions that throttling applies to.</summary>
    public static readonly IReadOnlySet<KinesisAction> DataPlane = new HashSet<KinesisAction>
    {
        KinesisAction.PutRecord, KinesisAction.PutRecords, KinesisAction.GetRecords, KinesisAction.GetShardIterator,
    };

    /// <summary>Throws <see cref="FormatException"/> with a readable reason if the spec is not usable.</summary>
    public void Validate()
    {
        if (Error is null && !Throttle && LatencyMs == 0 && LatencyMaxMs is null)
            throw new FormatException("A fault rule needs at least one effect: error, throttle or latencyMs.");
        if (Error is not null && Throttle) throw new FormatException("Give either error or throttle, not both.");
        if (double.IsNaN(Rate) || Rate is < 0 or > 1) throw new FormatException("rate must be between 0 and 1.");
        if (LatencyMs < 0) throw new FormatException("latencyMs must not be negative.");
        if (LatencyMaxMs is { } max && max < LatencyMs) throw new FormatException("latencyMaxMs must not be below latencyMs.");
        if (Math.Max(LatencyMs, LatencyMaxMs ?? 0) > 600_000) throw new FormatException("latency is limited to 600000 ms.");
        if (Duration is { } d && d <= TimeSpan.Zero) throw new FormatException("durationSeconds must be positive.");
        if (Count is <= 0) throw new FormatException("count must be positive.");
        if (Actions is { Count: 0 }) throw new FormatException("actions must not be empty.");
        if (Stream is { Length: 0 }) throw new FormatException("stream must not be empty.");
    }

    /// <summary>Reads the admin endpoint's JSON form. Throws <see cref="FormatException"/> for unknown members or bad values.</summary>
    public static FaultSpec Parse(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object) throw new FormatException("The body must be a JSON object.");
        var spec = new FaultSpec();
        foreach (var p in json.EnumerateObject())
        {
            var v = p.Value;
            if (v.ValueKind == JsonValueKind.Null) continue;
            spec = p.Name switch
            {
                "stream" => spec with { Stream = String(p) is "*" ? null : String(p) },
                "action" or "actions" => spec with { Actions = ParseActions(v) },
                "error" => spec with { Error = ParseError(String(p)) },
                "rate" => spec with { Rate = Number(p) },
                "message" => spec with { Message = String(p) },
                "latencyMs" => spec with { LatencyMs = Int(p) },
                "latencyMaxMs" => spec with { LatencyMaxMs = Int(p) },
                "throttle" => spec with { Throttle = v.ValueKind == JsonValueKind.True || (v.ValueKind == JsonValueKind.False ? false : throw Bad(p, "true or false")) },
                "durationSeconds" => spec with { Duration = TimeSpan.FromSeconds(Number(p)) },
                "count" => spec with { Count = Int(p) },
                "seed" => spec with { Seed = Int(p) },
                _ => throw new FormatException($"Unknown member '{p.Name}'."),
            };
        }
        spec.Validate();
        return spec;
    }

    /// <summary>An error type by its wire name (<c>InternalFailure</c>, <c>ProvisionedThroughputExceededException</c>, ...).</summary>
    public static ErrorCode ParseError(string? name) =>
        name is not null && Enum.TryParse<ErrorCode>(name, ignoreCase: false, out var code) && Enum.IsDefined(code) && !char.IsDigit(name[0])
            ? code
            : throw new FormatException($"Unknown error '{name}'. Known: {string.Join(", ", Enum.GetNames<ErrorCode>())}.");

    /// <summary>Action names: one string (comma-separated, or <c>*</c> for all) or an array of names.</summary>
    public static IReadOnlySet<KinesisAction>? ParseActions(JsonElement v)
    {
        IEnumerable<string> names = v.ValueKind switch
        {
            JsonValueKind.String => v.GetString()!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
            JsonValueKind.Array => v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new FormatException("actions must be strings.")),
            _ => throw new FormatException("action must be a string or an array of strings."),
        };
        return ParseActions(names);
    }

    public static IReadOnlySet<KinesisAction>? ParseActions(IEnumerable<string> names)
    {
        var set = new HashSet<KinesisAction>();
        foreach (var name in names)
        {
            if (name == "*") return null;
            var action = KinesisTarget.Parse(KinesisTarget.Prefix + name);
            if (action == KinesisAction.Unknown) throw new FormatException($"Unknown action '{name}'.");
            set.Add(action);
        }
        return set;
    }

    private static FormatException Bad(JsonProperty p, string what) => new($"{p.Name} must be {what}.");

    private static string String(JsonProperty p) => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw Bad(p, "a string");

    private static double Number(JsonProperty p) => p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble()
        : p.Value.ValueKind == JsonValueKind.String && double.TryParse(p.Value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d
        : throw Bad(p, "a number");

    private static int Int(JsonProperty p) => p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out var i) ? i : throw Bad(p, "an integer");
}
