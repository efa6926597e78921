using Eddy.Core;
using Eddy.Protocol;

namespace Eddy.Server.Faults;

/// <summary>What the fault rules decided for one request: a delay, then possibly an error.</summary>
public readonly record struct FaultOutcome(int LatencyMs, ErrorCode? Error, FaultRule? Rule)
{
    public bool IsNone => LatencyMs == 0 && Error is null;
}

/// <summary>
/// The set of fault rules, changed at run time (admin endpoint, tests) and consulted before every request
/// (<see cref="FaultFilter"/>). Thread-safe: changes are serialised, requests read an immutable snapshot.
/// </summary>
public sealed class FaultInjector(TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>The clock rules start and expire on; also the "now" of the messages injected faults carry.</summary>
    public TimeProvider Time => _time;
    private readonly Lock _gate = new();
    private FaultRule[] _rules = [];
    private int _nextId;

    /// <summary>The rules in force, oldest first (expired and used-up rules are dropped).</summary>
    public IReadOnlyList<FaultRule> Rules
    {
        get
        {
            Prune();
            return Volatile.Read(ref _rules);
        }
    }

    public FaultRule Add(FaultSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        lock (_gate)
        {
            var rule = new FaultRule("f" + ++_nextId, spec, _time.GetUtcNow());
            Volatile.Write(ref _rules, [.. _rules, rule]);
            return rule;
        }
    }

    public bool Remove(string id)
    {
        lock (_gate)
        {
            var kept = _rules.Where(r => r.Id != id).ToArray();
            if (kept.Length == _rules.Length) return false;
            Volatile.Write(ref _rules, kept);
            return true;
        }
    }

    /// <summary>Removes every rule; returns how many there were.</summary>
    public int Clear()
    {
        lock (_gate)
        {
            var n = _rules.Length;
            Volatile.Write(ref _rules, []);
            return n;
        }
    }

    /// <summary>Decides the faults for a request on <paramref name="stream"/> (null: names no stream). Latencies of all
    /// matching rules add up; the first rule (oldest) that refuses the request gives the error.</summary>
    public FaultOutcome Evaluate(KinesisAction action, string? stream)
    {
        var rules = Volatile.Read(ref _rules);
        if (rules.Length == 0) return default;
        var now = _time.GetUtcNow();
        var latency = 0;
        var stale = false;
        foreach (var rule in rules)
        {
            if (rule.IsExpired(now)) { stale = true; continue; }
            var spec = rule.Spec;
            if (spec.Stream is not null && !string.Equals(spec.Stream, stream, StringComparison.Ordinal)) continue;
            if (spec.Actions is not null && !spec.Actions.Contains(action)) continue;
            var refusable = spec.Error is not null || (spec.Throttle && FaultSpec.DataPlane.Contains(action));
            if (!refusable && spec.LatencyMs == 0 && spec.LatencyMaxMs is null) continue;
            if (!rule.TryDraw(refusable, out var ms, out var refuse)) { stale = true; continue; }
            stale |= rule.IsExhausted;
            latency += ms;
            if (refuse)
            {
                if (stale) Prune();
                return new FaultOutcome(latency, spec.Error ?? ErrorCode.ProvisionedThroughputExceededException, rule);
            }
        }
        if (stale) Prune();
        return new FaultOutcome(latency, null, null);
    }

    private void Prune()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_rules.Any(r => r.IsExpired(now) || r.IsExhausted)) return;
            Volatile.Write(ref _rules, [.. _rules.Where(r => !r.IsExpired(now) && !r.IsExhausted)]);
        }
    }
}
