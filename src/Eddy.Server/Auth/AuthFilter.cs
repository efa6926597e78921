using System.Collections.Concurrent;
using System.Text.Json;
using Eddy.Core;
using Eddy.Protocol;
using Eddy.Protocol.Auth;

namespace Eddy.Server.Auth;

/// <summary>Settings of <see cref="AuthFilter"/>.</summary>
public sealed record AuthFilterOptions
{
    /// <summary>How far a request's X-Amz-Date may be from the server clock. AWS allows 15 minutes; Eddy 5 by default.</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>
/// Authentication (SigV4 against the keys of a <see cref="CredentialStore"/>) and authorization (the key's identity
/// policies and the resource policies stored with PutResourcePolicy) before every action.
/// Decision: an explicit Deny in either kind of policy refuses; otherwise an Allow in either grants; otherwise the
/// request is refused (deny by default).
/// </summary>
public sealed class AuthFilter : IRequestFilter
{
    private readonly CredentialStore _credentials;
    private readonly IStreamEngine _engine;
    private readonly SigV4Verifier _verifier;
    private readonly ConcurrentDictionary<string, (string Json, PolicyDocument? Policy)> _resourcePolicies = new(StringComparer.Ordinal);

    public AuthFilter(CredentialStore credentials, IStreamEngine engine, AuthFilterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(engine);
        options ??= new AuthFilterOptions();
        _credentials = credentials;
        _engine = engine;
        _verifier = new SigV4Verifier(id => credentials.Find(id)?.Credential, options.MaxClockSkew, "kinesis", options.Clock);
    }

    /// <summary>The authenticated key of a request that passed this filter, or null.</summary>
    public static AccessKey? Caller(RequestInfo request) =>
        request?.Items.TryGetValue(typeof(AccessKey), out var key) == true ? key as AccessKey : null;

    /// <summary>Of a request with a <see cref="RequestInfo.StreamedBody"/> that passed this filter: what its chunk
    /// signatures chain from (for a <c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD</c> body), or null.</summary>
    public static SigV4Seed? Seed(RequestInfo request) =>
        request?.Items.TryGetValue(typeof(SigV4Seed), out var seed) == true ? seed as SigV4Seed : null;

    public ValueTask OnRequestAsync(RequestInfo request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = Authenticate(request);
        request.Items[typeof(AccessKey)] = key;
        Authorize(key, request.IamAction, ResourceOf(request));
        return ValueTask.CompletedTask;
    }

    private AccessKey Authenticate(RequestInfo request)
    {
        var result = _verifier.Verify(SigV4Http.RequestOf(request));
        if (!result.IsOk)
        {
            throw SigV4Http.Refusal(result, request, keyKnown: result.AccessKeyId is { } id && _credentials.Find(id) is not null);
        }
        if (result.Seed is { } seed) request.Items[typeof(SigV4Seed)] = seed;
        return _credentials.Find(result.Credential!.AccessKeyId)!;
    }

    /// <summary>The ARN an action is authorized against: the consumer for consumer actions (when named by ARN), the
    /// ResourceARN of tag and policy actions, the stream otherwise, and <c>arn:aws:kinesis:region:account:*</c> for
    /// account-level actions (ListStreams, DescribeLimits, Describe/UpdateAccountSettings).</summary>
    public string ResourceOf(RequestInfo request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Resource is { } named) return named;
        var account = $"arn:aws:{request.Service}:{_engine.Region}:{_engine.Account}:";
        if (request.Service != KinesisTarget.SigningName) return account + "*";
        switch (request.Action)
        {
            case KinesisAction.ListStreams or KinesisAction.DescribeLimits or KinesisAction.DescribeAccountSettings or KinesisAction.UpdateAccountSettings:
                return account + "*";
            case KinesisAction.DescribeStreamConsumer or KinesisAction.DeregisterStreamConsumer or KinesisAction.SubscribeToShard when request.ConsumerArn is { } consumer:
                return consumer;
            case KinesisAction.TagResource or KinesisAction.UntagResource or KinesisAction.ListTagsForResource
                or KinesisAction.PutResourcePolicy or KinesisAction.GetResourcePolicy or KinesisAction.DeleteResourcePolicy when request.ResourceArn is { } resource:
                return resource;
        }
        if (request.StreamArn is { } arn) return arn;
        if (request.StreamName is { } name) return account + "stream/" + name;
        if (request.Action == KinesisAction.GetRecords)
        {
            // The iterator names the stream; one the server cannot place is authorized as "any stream".
            return ShardIterator(request.JsonBody.Span) is { } iterator && _engine.StreamArnOfIterator(iterator) is { } readArn ? readArn : account + "stream/*";
        }
        return account + "*";
    }

    private void Authorize(AccessKey key, string actionName, string resource)
    {
        var identity = key.Evaluate(actionName, resource);
        if (identity == PolicyDecision.Deny) throw Denied(key, actionName, resource, "with an explicit deny in an identity-based policy");
        var attached = ResourcePolicy(resource);
        var resourceDecision = PolicyDecision.None;
        if (attached is not null)
        {
            string[] names = [key.Principal, key.Id, _engine.Account, $"arn:aws:iam::{_engine.Account}:root"];
            resourceDecision = attached.Evaluate(actionName, resource, names);
        }
        if (resourceDecision == PolicyDecision.Deny) throw Denied(key, actionName, resource, "with an explicit deny in a resource-based policy");
        if (identity != PolicyDecision.Allow && resourceDecision != PolicyDecision.Allow)
        {
            throw Denied(key, actionName, resource, $"because no identity-based policy allows the {actionName} action");
        }
    }

    /// <summary>The parsed resource policy of an ARN (re-parsed only when the stored text changes), or null.</summary>
    private PolicyDocument? ResourcePolicy(string arn)
    {
        if (arn.EndsWith(":*", StringComparison.Ordinal)) return null;
        if (_engine.FindResourcePolicy(arn) is not { } json) return null;
        if (json.Length <= 2 && json.Trim() is "{}" or "") return null;
        if (_resourcePolicies.TryGetValue(arn, out var cached) && cached.Json == json) return cached.Policy;
        PolicyDocument? policy;
        try
        {
            policy = PolicyDocument.Parse(json, resourcePolicy: true);
        }
        catch (FormatException)
        {
            policy = null; // PutResourcePolicy stores any text; an unreadable policy grants and denies nothing
        }
        _resourcePolicies[arn] = (json, policy);
        return policy;
    }

    private static string? ShardIterator(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var match = reader.ValueTextEquals("ShardIterator"u8);
                reader.Read();
                if (match && reader.TokenType == JsonTokenType.String) return reader.GetString();
                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }

    private static AuthException Denied(AccessKey key, string action, string resource, string why) =>
        new(AuthFailure.Denied, ErrorCode.AccessDeniedException, $"User: {key.Principal} is not authorized to perform: {action} on resource: {resource} {why}", presigned: false);
}
