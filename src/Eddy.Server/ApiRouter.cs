using System.Collections.Frozen;
using System.Text.Json;
using Eddy.Protocol.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Eddy.Server;

/// <summary>An Eddy admin resource under <c>/_eddy/</c> (JSON, Eddy's own API and console).</summary>
public interface IAdminEndpoint
{
    /// <summary>The path it answers, with everything under it, e.g. <c>/_eddy/faults</c>.</summary>
    string Path { get; }

    Task HandleAsync(HttpContext context);
}

/// <summary>A path-routed (REST) AWS service on Eddy's port, e.g. an S3- or Lambda-style API.</summary>
public interface IRestService
{
    /// <summary>The service of the SigV4 credential scope that routes a signed request here, e.g. <c>s3</c>.</summary>
    string SigningName { get; }

    /// <summary>Whether an unsigned request (no credential scope) is for this service, by its path.</summary>
    bool Matches(HttpRequest request);

    /// <summary>Answers the request, errors included; runs the request filters itself.</summary>
    Task HandleAsync(HttpContext context);
}

/// <summary>
/// The one terminal middleware of Eddy's port: picks who answers a request. In order: <c>/_eddy/...</c> → the
/// <see cref="IAdminEndpoint"/> of that path (404 for none); an <c>X-Amz-Target</c> with a registered
/// <see cref="JsonService.TargetPrefix"/> → that JSON service; a request signed for a registered REST service's
/// name (the credential scope of the Authorization header or the presigned query), or an unsigned one whose path
/// it claims → that <see cref="IRestService"/>; everything else → the default JSON service (Kinesis: the first
/// registered), which gives AWS's exact answers for an unknown target, a missing one, a GET, and so on.
/// </summary>
/// <remarks>Built once; the tables are frozen, so routing is a few dictionary lookups per request.</remarks>
public sealed class ApiRouter
{
    /// <summary>The root of Eddy's own admin API and console.</summary>
    public const string AdminRoot = "/_eddy";

    private readonly JsonEndpoint _json;
    private readonly JsonService _default;
    private readonly FrozenDictionary<string, JsonService> _byPrefix;
    private readonly IAdminEndpoint[] _admin;
    private readonly IRestService[] _rest;
    private readonly FrozenDictionary<string, IRestService> _restByName;

    public ApiRouter(JsonEndpoint json, IEnumerable<JsonService> services, IEnumerable<IAdminEndpoint> admin, IEnumerable<IRestService> rest)
    {
        ArgumentNullException.ThrowIfNull(json);
        _json = json;
        JsonService[] all = [.. services];
        if (all.Length == 0) throw new ArgumentException("At least one JSON service is needed.", nameof(services));
        _default = all[0];
        _byPrefix = all.ToFrozenDictionary(s => s.TargetPrefix, StringComparer.Ordinal);
        _admin = [.. admin];
        _rest = [.. rest];
        _restByName = _rest.ToFrozenDictionary(s => s.SigningName, StringComparer.Ordinal);
    }

    public Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (request.Path.StartsWithSegments(AdminRoot, StringComparison.Ordinal)) return AdminAsync(context);

        var target = request.Headers["X-Amz-Target"];
        if (target.Count == 1 && Resolve(target.ToString()) is var (service, operation) && service is not null)
        {
            return _json.HandleAsync(context, service, operation);
        }
        if (_rest.Length > 0 && target.Count == 0 && RestServiceOf(request) is { } rest) return rest.HandleAsync(context);
        return _json.HandleAsync(context, _default, target.Count == 1 ? Operation(_default, target.ToString()) : null);
    }

    /// <summary>The JSON service whose prefix the target starts with, and the target's operation in its model (null
    /// when it names none); no service for a target without a registered prefix.</summary>
    public (JsonService? Service, Operation? Operation) Resolve(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var dot = target.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0 || !_byPrefix.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(target.AsSpan(0, dot + 1), out var service)) return (null, null);
        return (service, Operation(service, target));
    }

    private static Operation? Operation(JsonService service, string target) =>
        target.StartsWith(service.TargetPrefix, StringComparison.Ordinal)
        && service.Model.TryGetOperation(target[service.TargetPrefix.Length..], out var operation) ? operation : null;

    /// <summary>The REST service a request is for: by its credential scope when signed, else by its path.</summary>
    public IRestService? RestServiceOf(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ScopeService(request) is { } name) return _restByName.GetValueOrDefault(name);
        foreach (var service in _rest)
        {
            if (service.Matches(request)) return service;
        }
        return null;
    }

    /// <summary>The service element of a SigV4 credential scope (<c>AKID/20260101/us-east-1/SERVICE/aws4_request</c>),
    /// from the Authorization header or the presigned <c>X-Amz-Credential</c> query; null when unsigned.</summary>
    public static string? ScopeService(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? credential = null;
        var authorization = request.Headers.Authorization.ToString();
        var at = authorization.IndexOf("Credential=", StringComparison.Ordinal);
        if (at >= 0)
        {
            var end = authorization.IndexOfAny([',', ' '], at);
            credential = end < 0 ? authorization[(at + 11)..] : authorization[(at + 11)..end];
        }
        else if (request.Query.TryGetValue("X-Amz-Credential", out StringValues query))
        {
            credential = query.ToString();
        }
        if (credential is null) return null;
        var parts = credential.Split('/');
        return parts.Length == 5 ? parts[3] : null;
    }

    private Task AdminAsync(HttpContext context)
    {
        var path = context.Request.Path;
        foreach (var endpoint in _admin)
        {
            if (path.StartsWithSegments(endpoint.Path, StringComparison.Ordinal)) return endpoint.HandleAsync(context);
        }
        var known = _admin.Length == 0 ? "" : " See " + string.Join(", ", _admin.Select(a => a.Path)) + ".";
        return WriteAdminErrorAsync(context.Response, 404, $"Unknown admin resource {path.Value!.TrimEnd('/')}.{known}");
    }

    /// <summary>An admin API error: <c>{"message": "..."}</c> with its status.</summary>
    public static Task WriteAdminErrorAsync(HttpResponse response, int status, string message)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["message"] = message });
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body).AsTask();
    }
}
