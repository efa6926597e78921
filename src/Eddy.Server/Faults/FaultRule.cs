using System.Text.Json;

namespace Eddy.Server.Faults;

/// <summary>A live fault rule: its <see cref="FaultSpec"/> and what it has done so far. Thread-safe.</summary>
public sealed class FaultRule
{
    private readonly Random _random;
    private readonly Lock _gate = new();
    private int? _remaining;
    private long _matched;
    private long _fired;

    internal FaultRule(string id, FaultSpec spec, DateTimeOffset created)
    {
        Id = id;
        Spec = spec;
        Created = created;
        ExpiresAt = spec.Duration is { } d ? created + d : null;
        _remaining = spec.Count;
        _random = spec.Seed is { } seed ? new Random(seed) : new Random();
    }

    public string Id { get; }
    public FaultSpec Spec { get; }
    public DateTimeOffset Created { get; }
    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>Firings left before the rule is removed (null: unlimited).</summary>
    public int? Remaining { get { lock (_gate) return _remaining; } }

    /// <summary>Requests the rule matched.</summary>
    public long Matched => Interlocked.Read(ref _matched);

    /// <summary>Requests the rule delayed or refused.</summary>
    public long Fired => Interlocked.Read(ref _fired);

    internal bool IsExhausted { get { lock (_gate) return _remaining is <= 0; } }

    internal bool IsExpired(DateTimeOffset now) => ExpiresAt is { } at && now >= at;

    /// <summary>Draws this request's outcome: the latency to add and whether it is refused. False when the rule has
    /// nothing left to give (its count is used up).</summary>
    internal bool TryDraw(bool refusable, out int latencyMs, out bool refuse)
    {
        lock (_gate)
        {
            latencyMs = 0;
            refuse = false;
            if (_remaining is <= 0) return false;
            _matched++;
            latencyMs = Spec.LatencyMaxMs is { } max ? _random.Next(Spec.LatencyMs, max + 1) : Spec.LatencyMs;
            refuse = refusable && Spec.Rate > 0 && (Spec.Rate >= 1 || _random.NextDouble() < Spec.Rate);
            if (latencyMs > 0 || refuse)
            {
                _fired++;
                if (_remaining is not null) _remaining--;
            }
            return true;
        }
    }

    /// <summary>The admin endpoint's JSON form: the spec's members plus id, createdAt, expiresAt, remaining, matched, fired.</summary>
    public void WriteTo(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("id", Id);
        w.WriteString("stream", Spec.Stream ?? "*");
        w.WriteStartArray("actions");
        if (Spec.Actions is null) w.WriteStringValue("*");
        else foreach (var a in Spec.Actions.Order()) w.WriteStringValue(a.ToString());
        w.WriteEndArray();
        if (Spec.Error is { } error) w.WriteString("error", error.ToString());
        if (Spec.Throttle) w.WriteBoolean("throttle", true);
        if (Spec.Error is not null || Spec.Throttle) w.WriteNumber("rate", Spec.Rate);
        if (Spec.Message is { } message) w.WriteString("message", message);
        if (Spec.LatencyMs > 0 || Spec.LatencyMaxMs is not null) w.WriteNumber("latencyMs", Spec.LatencyMs);
        if (Spec.LatencyMaxMs is { } max) w.WriteNumber("latencyMaxMs", max);
        if (Spec.Duration is { } d) w.WriteNumber("durationSeconds", d.TotalSeconds);
        if (Spec.Count is { } count) w.WriteNumber("count", count);
        if (Spec.Seed is { } seed) w.WriteNumber("seed", seed);
        w.WriteString("createdAt", Created);
        if (ExpiresAt is { } at) w.WriteString("expiresAt", at);
        if (Remaining is { } left) w.WriteNumber("remaining", left);
        w.WriteNumber("matched", Matched);
        w.WriteNumber("fired", Fired);
        w.WriteEndObject();
    }
}
