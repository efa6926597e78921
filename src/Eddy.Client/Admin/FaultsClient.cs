using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Eddy.Client.Http;

namespace Eddy.Client.Admin;

/// <summary>
/// Client of Eddy's fault-injection admin API (<c>/_eddy/faults</c>, JSON, not authenticated, so not signed). Errors
/// (<c>{"message": …}</c> with 400/404/405) are thrown as <see cref="EddyServiceException"/> whose type is the status
/// name (<c>BadRequest</c>, <c>NotFound</c>). Adding a rule is not idempotent: it is retried only when it never reached
/// the server.
/// </summary>
public sealed class FaultsClient(EddyHttp http)
{
    public const string Path = "/_eddy/faults";
    private const string JsonContentType = "application/json";

    public EddyHttp Http { get; } = http ?? throw new ArgumentNullException(nameof(http));

    /// <summary>The rules in force.</summary>
    public async Task<IReadOnlyList<FaultRule>> ListAsync(CancellationToken cancellationToken = default) =>
        (await CallAsync(HttpMethod.Get, Path, null, AdminJsonContext.Default.FaultRuleList, cancellationToken).ConfigureAwait(false)).Rules;

    /// <summary>The rules in force, as the server wrote them (<c>{"rules": [...]}</c>).</summary>
    public async Task<string> ListJsonAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, Path, null, cancellationToken).ConfigureAwait(false);
        return Encoding.UTF8.GetString(response.Span);
    }

    /// <summary>Adds a rule; returns it with its id.</summary>
    public Task<FaultRule> AddAsync(FaultRuleSpec spec, CancellationToken cancellationToken = default) =>
        CallAsync(HttpMethod.Post, Path, JsonSerializer.SerializeToUtf8Bytes(spec, AdminJsonContext.Default.FaultRuleSpec), AdminJsonContext.Default.FaultRule, cancellationToken);

    /// <summary>One rule (NotFound when there is none with that id).</summary>
    public Task<FaultRule> GetAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync(HttpMethod.Get, RulePath(id), null, AdminJsonContext.Default.FaultRule, cancellationToken);

    /// <summary>Removes one rule (NotFound when there is none with that id).</summary>
    public async Task RemoveAsync(string id, CancellationToken cancellationToken = default)
    {
        using var _ = await SendAsync(HttpMethod.Delete, RulePath(id), null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes every rule; returns how many there were.</summary>
    public async Task<int> ClearAsync(CancellationToken cancellationToken = default) =>
        (await CallAsync(HttpMethod.Delete, Path, null, AdminJsonContext.Default.FaultRulesRemoved, cancellationToken).ConfigureAwait(false)).Removed;

    private static string RulePath(string id) => Path + "/" + Uri.EscapeDataString(id);

    private async Task<T> CallAsync<T>(HttpMethod method, string path, byte[]? body, JsonTypeInfo<T> info, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, path, body, cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize(response.Span, info) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new EddyServiceException("InvalidResponse", $"{method} {path}: the answer cannot be read: {e.Message}", response.Status);
        }
    }

    private async Task<EddyResponse> SendAsync(HttpMethod method, string path, byte[]? body, CancellationToken cancellationToken)
    {
        var response = await Http.SendAsync(new EddyRequest
        {
            Method = method,
            Path = path,
            Body = body,
            ContentType = body is null ? null : JsonContentType,
            Sign = false,
            Idempotent = method != HttpMethod.Post,
        }, null, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccess) return response;
        using (response) throw response.ToException($"{method} {path}");
    }
}
