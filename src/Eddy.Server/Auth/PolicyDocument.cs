using System.Text.Json;

namespace Eddy.Server.Auth;

public enum PolicyEffect
{
    Allow,
    Deny,
}

/// <summary>What a set of policies says about one request.</summary>
public enum PolicyDecision
{
    /// <summary>No statement applies (an implicit deny unless another policy allows).</summary>
    None,
    Allow,
    Deny,
}

/// <summary>One statement of an IAM-style policy. Null lists mean the element is absent.</summary>
public sealed record PolicyStatement(
    PolicyEffect Effect,
    IReadOnlyList<string>? Actions,
    IReadOnlyList<string>? NotActions,
    IReadOnlyList<string>? Resources,
    IReadOnlyList<string>? NotResources,
    IReadOnlyList<string>? Principals,
    bool HasCondition);

/// <summary>
/// An IAM-style policy document (<c>{"Version": ..., "Statement": [...]}</c>) and its evaluation: Effect Allow/Deny;
/// Action/NotAction with <c>*</c> and <c>?</c> wildcards, case-insensitive (<c>kinesis:Put*</c>); Resource/NotResource
/// with wildcards, case-sensitive (<c>arn:aws:kinesis:*:*:stream/orders*</c>); Principal (resource policies only):
/// <c>"*"</c> or <c>{"AWS": ...}</c>. Conditions are not evaluated: an Allow with a Condition never applies, a Deny with
/// a Condition always applies (the safe reading).
/// </summary>
public sealed class PolicyDocument
{
    public static readonly PolicyDocument Empty = new([]);

    public PolicyDocument(IReadOnlyList<PolicyStatement> statements) => Statements = statements;

    public IReadOnlyList<PolicyStatement> Statements { get; }

    /// <summary>Parses a policy document. <paramref name="resourcePolicy"/>: Principal is read, and a statement without
    /// Resource applies to the resource the policy is attached to; otherwise every statement needs Resource.</summary>
    /// <exception cref="FormatException">The document is not a policy.</exception>
    public static PolicyDocument Parse(string json, bool resourcePolicy)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return FromJson(doc.RootElement, resourcePolicy);
        }
        catch (JsonException e)
        {
            throw new FormatException($"The policy is not valid JSON: {e.Message}", e);
        }
    }

    /// <inheritdoc cref="Parse"/>
    public static PolicyDocument FromJson(JsonElement root, bool resourcePolicy)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException("A policy must be a JSON object.");
        var statements = new List<PolicyStatement>();
        if (!TryGet(root, "Statement", out var list)) return new PolicyDocument(statements);
        foreach (var s in list.ValueKind == JsonValueKind.Array ? list.EnumerateArray() : Enumerable.Repeat(list, 1))
        {
            if (s.ValueKind != JsonValueKind.Object) throw new FormatException("Each Statement must be a JSON object.");
            var effectText = TryGet(s, "Effect", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            var effect = effectText switch
            {
                "Allow" => PolicyEffect.Allow,
                "Deny" => PolicyEffect.Deny,
                _ => throw new FormatException($"Effect must be \"Allow\" or \"Deny\", not {(effectText is null ? "missing" : $"\"{effectText}\"")}."),
            };
            var actions = Strings(s, "Action");
            var notActions = Strings(s, "NotAction");
            if (actions is null && notActions is null) throw new FormatException("A Statement needs Action or NotAction.");
            var resources = Strings(s, "Resource");
            var notResources = Strings(s, "NotResource");
            if (!resourcePolicy && resources is null && notResources is null) throw new FormatException("A Statement needs Resource or NotResource.");
            IReadOnlyList<string>? principals = null;
            if (resourcePolicy)
            {
                principals = TryGet(s, "Principal", out var p) ? Principals(p) : [];
            }
            statements.Add(new PolicyStatement(effect, actions, notActions, resources, notResources, principals, TryGet(s, "Condition", out _)));
        }
        return new PolicyDocument(statements);
    }

    /// <summary>Deny if a statement denies, else Allow if one allows, else None.</summary>
    /// <param name="principals">For resource policies: the names the caller goes by (principal ARN, account id,
    /// account root ARN, access key id); a statement applies when its Principal is "*" or one of them.</param>
    public PolicyDecision Evaluate(string action, string resource, IReadOnlyCollection<string>? principals = null)
    {
        var decision = PolicyDecision.None;
        foreach (var s in Statements)
        {
            if (!Applies(s, action, resource, principals)) continue;
            if (s.Effect == PolicyEffect.Deny) return PolicyDecision.Deny;
            if (!s.HasCondition) decision = PolicyDecision.Allow;
        }
        return decision;
    }

    private static bool Applies(PolicyStatement s, string action, string resource, IReadOnlyCollection<string>? principals)
    {
        if (s.Actions is { } a && !a.Any(p => Wildcard.Matches(p, action, ignoreCase: true))) return false;
        if (s.NotActions is { } na && na.Any(p => Wildcard.Matches(p, action, ignoreCase: true))) return false;
        if (s.Resources is { } r && !r.Any(p => Wildcard.Matches(p, resource, ignoreCase: false))) return false;
        if (s.NotResources is { } nr && nr.Any(p => Wildcard.Matches(p, resource, ignoreCase: false))) return false;
        if (s.Principals is { } ps && (principals is null || !ps.Any(p => p == "*" || principals.Contains(p)))) return false;
        return true;
    }

    private static List<string> Principals(JsonElement p)
    {
        if (p.ValueKind == JsonValueKind.String) return [p.GetString()!];
        var result = new List<string>();
        if (p.ValueKind == JsonValueKind.Object && TryGet(p, "AWS", out var aws)) result.AddRange(Strings(aws) ?? []);
        return result;
    }

    private static List<string>? Strings(JsonElement parent, string name) => TryGet(parent, name, out var v) ? Strings(v) : null;

    private static List<string>? Strings(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => [v.GetString()!],
        JsonValueKind.Array => [.. v.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : throw new FormatException("Policy lists must hold strings."))],
        _ => throw new FormatException("Action, Resource and Principal values must be a string or a list of strings."),
    };

    private static bool TryGet(JsonElement obj, string name, out JsonElement value)
    {
        foreach (var p in obj.EnumerateObject())
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = p.Value;
                return true;
            }
        }
        value = default;
        return false;
    }
}

/// <summary>IAM wildcard matching: <c>*</c> any run of characters, <c>?</c> one character.</summary>
public static class Wildcard
{
    public static bool Matches(string pattern, string value, bool ignoreCase)
    {
        int p = 0, v = 0, star = -1, mark = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || Same(pattern[p], value[v], ignoreCase)))
            {
                p++;
                v++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = v;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    private static bool Same(char a, char b, bool ignoreCase) => a == b || (ignoreCase && char.ToUpperInvariant(a) == char.ToUpperInvariant(b));
}
