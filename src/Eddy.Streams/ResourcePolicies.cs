using System.Collections.Concurrent;
using Eddy.Core;

namespace Eddy.Streams;

/// <summary>Resource policies of streams and consumers (catalog <c>policies</c>); read lock-free for authorization.</summary>
internal sealed class ResourcePolicies(EngineContext context) : IResourcePolicies
{
    private readonly ConcurrentDictionary<string, string> _policies = new(StringComparer.Ordinal);

    /// <summary>Loads every stored policy (at start-up).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        foreach (var p in await context.Catalog.LoadPoliciesAsync(cancellationToken).ConfigureAwait(false)) _policies[p.ResourceArn] = p.Policy;
    }

    /// <summary>Forgets a deleted resource's policy in memory.</summary>
    public void Forget(string arn) => _policies.TryRemove(arn, out _);

    public Task PutResourcePolicyAsync(string resourceArn, string policy) =>
        context.Control.WriteAsync(async () =>
        {
            var arn = context.Streams.ResolveResource(resourceArn);
            try { using var _ = System.Text.Json.JsonDocument.Parse(policy); }
            catch (System.Text.Json.JsonException) { throw KinesisException.Invalid("Policy is not a valid JSON document."); }
            await context.Catalog.SavePolicyAsync(arn, policy).ConfigureAwait(false);
            _policies[arn] = policy;
        });

    public ValueTask<string> GetResourcePolicyAsync(string resourceArn) =>
        context.Control.ReadAsync(() => _policies.GetValueOrDefault(context.Streams.ResolveResource(resourceArn)) ?? "{}");

    public string? FindResourcePolicy(string resourceArn) => _policies.GetValueOrDefault(resourceArn);

    public Task DeleteResourcePolicyAsync(string resourceArn) =>
        context.Control.WriteAsync(async () =>
        {
            var arn = context.Streams.ResolveResource(resourceArn);
            if (!_policies.ContainsKey(arn)) throw new KinesisException(ErrorCode.ResourceNotFoundException, $"No resource policy found for resource ARN {resourceArn}.");
            await context.Catalog.SavePolicyAsync(arn, null).ConfigureAwait(false);
            _policies.TryRemove(arn, out _);
        });
}
