using System.Collections.Frozen;
using System.Text.Json;
using Eddy.Protocol.Auth;

namespace Eddy.Server.Auth;

/// <summary>An access key of the credentials file: its secret, optional session token, principal and policies.</summary>
public sealed record AccessKey(SigV4Credential Credential, string Principal, PolicyDocument[] Policies)
{
    public string Id => Credential.AccessKeyId;

    /// <summary>Identity policies: Deny wins, else Allow if any policy allows, else None (deny by default).</summary>
    public PolicyDecision Evaluate(string action, string resource)
    {
        var decision = PolicyDecision.None;
        foreach (var policy in Policies)
        {
            var d = policy.Evaluate(action, resource);
            if (d == PolicyDecision.Deny) return d;
            if (d == PolicyDecision.Allow) decision = d;
        }
        return decision;
    }
}

/// <summary>
/// The access keys Eddy accepts, from a JSON credentials file (docs/formats/credentials.md):
/// <code>{"keys": [{"accessKeyId": "...", "secretAccessKey": "...", "sessionToken": "...", "expiration": "2030-01-01T00:00:00Z",
///   "principal": "arn:aws:iam::000000000000:user/alice", "policies": [{"Version": "2012-10-17", "Statement": [...]}]}]}</code>
/// </summary>
public sealed class CredentialStore
{
    private readonly FrozenDictionary<string, AccessKey> _keys;

    public CredentialStore(IEnumerable<AccessKey> keys)
    {
        var map = new Dictionary<string, AccessKey>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (!map.TryAdd(key.Id, key)) throw new FormatException($"Access key {key.Id} is listed twice.");
        }
        _keys = map.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public int Count => _keys.Count;

    public AccessKey? Find(string accessKeyId) => _keys.GetValueOrDefault(accessKeyId);

    /// <summary>Reads a credentials file.</summary>
    /// <exception cref="FormatException">The file is not a valid credentials file (the message says where).</exception>
    public static CredentialStore Load(string path, string account) => Parse(File.ReadAllText(path), account);

    /// <inheritdoc cref="Load"/>
    public static CredentialStore Parse(string json, string account)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new FormatException($"not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("keys", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("expected an object with a \"keys\" list.");
            }
            var keys = new List<AccessKey>();
            var index = 0;
            foreach (var entry in list.EnumerateArray())
            {
                try
                {
                    keys.Add(ParseKey(entry, account));
                }
                catch (FormatException e)
                {
                    throw new FormatException($"keys[{index}]: {e.Message}", e);
                }
                index++;
            }
            return new CredentialStore(keys);
        }
    }

    private static AccessKey ParseKey(JsonElement entry, string account)
    {
        if (entry.ValueKind != JsonValueKind.Object) throw new FormatException("each key must be a JSON object.");
        var id = String(entry, "accessKeyId") ?? throw new FormatException("accessKeyId is required.");
        var secret = String(entry, "secretAccessKey") ?? throw new FormatException("secretAccessKey is required.");
        if (id.Length == 0 || id.Contains('/', StringComparison.Ordinal)) throw new FormatException("accessKeyId must be non-empty and contain no '/'.");
        DateTimeOffset? expiration = null;
        if (String(entry, "expiration") is { } e)
        {
            expiration = DateTimeOffset.TryParse(e, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
                ? at
                : throw new FormatException($"expiration '{e}' is not an ISO-8601 date and time.");
        }
        var principal = String(entry, "principal") ?? $"arn:aws:iam::{account}:user/{id}";
        var policies = new List<PolicyDocument>();
        if (entry.TryGetProperty("policies", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array) throw new FormatException("policies must be a list of policy documents.");
            foreach (var policy in list.EnumerateArray()) policies.Add(PolicyDocument.FromJson(policy, resourcePolicy: false));
        }
        return new AccessKey(new SigV4Credential(id, secret, String(entry, "sessionToken"), expiration), principal, [.. policies]);
    }

    private static string? String(JsonElement obj, string name) =>
        !obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString()
        : throw new FormatException($"{name} must be a string.");
}
