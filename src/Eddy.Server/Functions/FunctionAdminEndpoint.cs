using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Eddy.Core;
using Eddy.Core.Functions;
using Eddy.Server.Auth;
using Microsoft.AspNetCore.Http;

namespace Eddy.Server.Functions;

/// <summary>
/// Eddy's admin API for the function map (JSON, under <c>/_eddy/functions</c>): <c>GET /_eddy/functions</c> lists the
/// entries (<c>{"functions":[{"name","url","kind"}]}</c>), <c>PUT /_eddy/functions/NAME</c> with <c>{"url": "..."}</c>
/// maps NAME (200, the entry), <c>GET /_eddy/functions/NAME</c> gives one (404 when unmapped), <c>DELETE
/// /_eddy/functions/NAME</c> removes it (204, or 404). Errors are <c>{"__type", "message"}</c> with 400, 404, 405 or
/// the refusal's status.
/// </summary>
/// <remarks>
/// Authentication: when auth is on (an <see cref="AuthFilter"/> is registered), every request must be SigV4-signed for
/// the service <c>eddy</c> (credential scope <c>…/REGION/eddy/aws4_request</c>) by a key whose policies allow the IAM
/// action <c>eddy:ListFunctions</c>, <c>eddy:GetFunction</c>, <c>eddy:PutFunction</c> or <c>eddy:DeleteFunction</c>
/// (resource <c>arn:aws:eddy:REGION:ACCOUNT:*</c>); refusals are the AWS errors the other services answer. With auth off
/// or none the endpoint is open, like <c>/_eddy/faults</c>. Threading: stateless; the map is thread-safe.
/// </remarks>
public sealed class FunctionAdminEndpoint(IFunctionMap map, IEnumerable<IRequestFilter> filters) : IAdminEndpoint
{
    /// <summary>The signing name (credential scope service, IAM action prefix) of the admin API when auth is on.</summary>
    public const string SigningName = "eddy";

    private const string Collection = ApiRouter.AdminRoot + "/functions";
    private const int MaxBodyBytes = 64 * 1024;

    private readonly AuthFilter[] _auth = [.. filters.OfType<AuthFilter>()];

    public string Path => Collection;

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var response = context.Response;
        var path = request.Path.Value!.TrimEnd('/');
        string? name = null;
        if (path != Collection)
        {
            if (!path.StartsWith(Collection + "/", StringComparison.Ordinal) || path.IndexOf('/', Collection.Length + 1) >= 0)
            {
                await WriteErrorAsync(response, 404, "ResourceNotFoundException", $"Unknown admin resource {path}. See {Collection}.").ConfigureAwait(false);
                return;
            }
            name = Uri.UnescapeDataString(path[(Collection.Length + 1)..]);
        }
        var operation = (name, request.Method) switch
        {
            (null, "GET") => "ListFunctions",
            (not null, "GET") => "GetFunction",
            (not null, "PUT") => "PutFunction",
            (not null, "DELETE") => "DeleteFunction",
            _ => null,
        };
        if (operation is null)
        {
            var allow = name is null ? "GET" : "GET, PUT, DELETE";
            response.Headers.Allow = allow;
            await WriteErrorAsync(response, 405, "MethodNotAllowed", $"Allowed: {allow}.").ConfigureAwait(false);
            return;
        }
        try
        {
            var body = await ReadBodyAsync(request).ConfigureAwait(false);
            foreach (var filter in _auth)
            {
                await filter.OnRequestAsync(new RequestInfo(context, SigningName, operation, body, "{}"u8.ToArray())).ConfigureAwait(false);
            }
            await (operation switch
            {
                "ListFunctions" => WriteJsonAsync(response, 200, w =>
                {
                    w.WriteStartObject();
                    w.WriteStartArray("functions");
                    foreach (var entry in map.List())
                    {
                        WriteEntry(w, entry);
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }),
                "GetFunction" => map.Find(name!) is { } found
                    ? WriteJsonAsync(response, 200, w => WriteEntry(w, found))
                    : throw NotMapped(name!),
                "PutFunction" => PutAsync(response, name!, body, context.RequestAborted),
                _ => DeleteAsync(response, name!, context.RequestAborted),
            }).ConfigureAwait(false);
        }
        catch (ServiceException e)
        {
            await WriteErrorAsync(response, e.StatusCode, e.ErrorType, e.Message).ConfigureAwait(false);
        }
    }

    private async Task PutAsync(HttpResponse response, string name, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        string? url = null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("url", out var value) && value.ValueKind == JsonValueKind.String)
            {
                url = value.GetString();
            }
        }
        catch (JsonException)
        {
            // answered below
        }
        if (url is null)
        {
            throw FunctionException.InvalidParameter("The body must be a JSON object with a string member \"url\".");
        }
        var entry = await map.PutAsync(name, url, cancellationToken).ConfigureAwait(false);
        await WriteJsonAsync(response, 200, w => WriteEntry(w, entry)).ConfigureAwait(false);
    }

    private async Task DeleteAsync(HttpResponse response, string name, CancellationToken cancellationToken)
    {
        if (!await map.DeleteAsync(name, cancellationToken).ConfigureAwait(false))
        {
            throw NotMapped(name);
        }
        response.StatusCode = 204;
    }

    private static FunctionException NotMapped(string name) => new("ResourceNotFoundException", $"No function {name} is mapped.", 404);

    private static void WriteEntry(Utf8JsonWriter w, FunctionEntry entry)
    {
        w.WriteStartObject();
        w.WriteString("name", entry.Name);
        w.WriteString("url", entry.Url.OriginalString);
        w.WriteString("kind", entry.Kind == FunctionEndpointKind.LambdaInvoke ? "lambda-invoke" : "plain");
        w.WriteEndObject();
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw FunctionException.InvalidParameter("The body is too large.");
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while ((n = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > MaxBodyBytes)
            {
                throw FunctionException.InvalidParameter("The body is too large.");
            }
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    private static Task WriteErrorAsync(HttpResponse response, int status, string type, string message) => WriteJsonAsync(response, status, w =>
    {
        w.WriteStartObject();
        w.WriteString("__type", type);
        w.WriteString("message", message);
        w.WriteEndObject();
    });

    private static Task WriteJsonAsync(HttpResponse response, int status, Action<Utf8JsonWriter> write)
    {
        var output = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(w);
        }
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = output.WrittenCount;
        return response.Body.WriteAsync(output.WrittenMemory).AsTask();
    }
}
