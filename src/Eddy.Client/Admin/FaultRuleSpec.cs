using System.Text.Json.Serialization;

namespace Eddy.Client.Admin;

/// <summary>A fault rule to add (<c>POST /_eddy/faults</c>): where it applies and its effects; at least one effect
/// (<see cref="Error"/>, <see cref="Throttle"/> or a latency). Absent members are left out.</summary>
public sealed record FaultRuleSpec
{
    /// <summary>Only requests on this stream; null: every stream.</summary>
    [JsonPropertyName("stream")] public string? Stream { get; init; }

    /// <summary>Only these actions; null: every action.</summary>
    [JsonPropertyName("actions")] public IReadOnlyList<string>? Actions { get; init; }

    /// <summary>Answer with this AWS error type (e.g. <c>InternalFailure</c>, <c>ServiceUnavailable</c>).</summary>
    [JsonPropertyName("error")] public string? Error { get; init; }

    /// <summary>Probability of the error or throttling per matching request (default 1).</summary>
    [JsonPropertyName("rate")] public double? Rate { get; init; }

    /// <summary>The error's message (default: AWS's message for it).</summary>
    [JsonPropertyName("message")] public string? Message { get; init; }

    [JsonPropertyName("latencyMs")] public int? LatencyMs { get; init; }

    [JsonPropertyName("latencyMaxMs")] public int? LatencyMaxMs { get; init; }

    /// <summary>Throttle data-plane calls (ProvisionedThroughputExceededException).</summary>
    [JsonPropertyName("throttle")] public bool? Throttle { get; init; }

    /// <summary>Remove the rule after this many seconds.</summary>
    [JsonPropertyName("durationSeconds")] public double? DurationSeconds { get; init; }

    /// <summary>Remove the rule after it fired this many times.</summary>
    [JsonPropertyName("count")] public int? Count { get; init; }

    /// <summary>Seed of the rule's random generator.</summary>
    [JsonPropertyName("seed")] public int? Seed { get; init; }
}

/// <summary>A fault rule in force, as the server reports it.</summary>
public sealed record FaultRule
{
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary>The stream, or <c>*</c> for every stream.</summary>
    [JsonPropertyName("stream")] public required string Stream { get; init; }

    /// <summary>The actions, or <c>["*"]</c> for every action.</summary>
    [JsonPropertyName("actions")] public required IReadOnlyList<string> Actions { get; init; }

    [JsonPropertyName("error")] public string? Error { get; init; }

    [JsonPropertyName("throttle")] public bool? Throttle { get; init; }

    [JsonPropertyName("rate")] public double? Rate { get; init; }

    [JsonPropertyName("message")] public string? Message { get; init; }

    [JsonPropertyName("latencyMs")] public int? LatencyMs { get; init; }

    [JsonPropertyName("latencyMaxMs")] public int? LatencyMaxMs { get; init; }

    [JsonPropertyName("durationSeconds")] public double? DurationSeconds { get; init; }

    [JsonPropertyName("count")] public int? Count { get; init; }

    [JsonPropertyName("seed")] public int? Seed { get; init; }

    [JsonPropertyName("createdAt")] public DateTimeOffset CreatedAt { get; init; }

    [JsonPropertyName("expiresAt")] public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Firings left (rules with a count).</summary>
    [JsonPropertyName("remaining")] public int? Remaining { get; init; }

    /// <summary>Requests the rule matched.</summary>
    [JsonPropertyName("matched")] public long Matched { get; init; }

    /// <summary>Requests it changed (failed, throttled or delayed).</summary>
    [JsonPropertyName("fired")] public long Fired { get; init; }
}

/// <summary><c>GET /_eddy/faults</c>.</summary>
public sealed record FaultRuleList
{
    [JsonPropertyName("rules")] public required IReadOnlyList<FaultRule> Rules { get; init; }
}

/// <summary><c>DELETE /_eddy/faults</c>.</summary>
public sealed record FaultRulesRemoved
{
    [JsonPropertyName("removed")] public int Removed { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FaultRuleSpec))]
[JsonSerializable(typeof(FaultRule))]
[JsonSerializable(typeof(FaultRuleList))]
[JsonSerializable(typeof(FaultRulesRemoved))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
