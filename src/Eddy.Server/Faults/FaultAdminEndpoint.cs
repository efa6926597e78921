using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Eddy.Server.Faults;

/// <summary>
/// Eddy's own admin API for fault injection (JSON, under <c>/_eddy/faults</c>):
/// <c>GET /_eddy/faults</c> lists the rules, <c>POST /_eddy/faults</c> adds one (201, the rule with its id),
/// <c>DELETE /_eddy/faults/{id}</c> removes one (204, or 404), <c>DELETE /_eddy/faults</c> removes all (200, the count).
/// Errors are <c>{"message": "..."}</c> with 400, 404 or 405.
/// </summary>
public sealed partial class FaultAdminEndpoint(FaultInjector faults, ILogger<FaultAdminEndpoint> logger) : IAdminEndpoint
{
    private const string Collection = ApiRouter.AdminRoot + "/faults";
    private const int MaxBodyBytes = 64 * 1024;

    public string Path => Collection;

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var path = request.Path.Value!.TrimEnd('/');
        if (path == Collection)
        {
            if (HttpMethods.IsGet(request.Method))
            {
                await WriteRulesAsync(context.Response).ConfigureAwait(false);
            }
            else if (HttpMethods.IsPost(request.Method))
            {
                await AddAsync(context).ConfigureAwait(false);
            }
            else if (HttpMethods.IsDelete(request.Method))
            {
                var removed = faults.Clear();
                LogCleared(logger, removed);
                await WriteJsonAsync(context.Response, 200, w => w.WriteNumber("removed", removed)).ConfigureAwait(false);
            }
            else
            {
                await MethodNotAllowedAsync(context.Response, "GET, POST, DELETE").ConfigureAwait(false);
            }

            return;
        }
        if (path.StartsWith(Collection + "/", StringComparison.Ordinal) && path.IndexOf('/', Collection.Length + 1) < 0)
        {
            var id = Uri.UnescapeDataString(path[(Collection.Length + 1)..]);
            if (HttpMethods.IsGet(request.Method))
            {
                var rule = faults.Rules.FirstOrDefault(r => r.Id == id);
                if (rule is null) await WriteMessageAsync(context.Response, 404, $"No fault rule {id}.").ConfigureAwait(false);
                else await WriteJsonAsync(context.Response, 200, rule.WriteTo, wrap: false).ConfigureAwait(false);
            }
            else if (HttpMethods.IsDelete(request.Method))
            {
                if (faults.Remove(id))
                {
                    LogRemoved(logger, id);
                    context.Response.StatusCode = 204;
                }
                else
                {
                    await WriteMessageAsync(context.Response, 404, $"No fault rule {id}.").ConfigureAwait(false);
                }
            }
            else
            {
                await MethodNotAllowedAsync(context.Response, "GET, DELETE").ConfigureAwait(false);
            }

            return;
        }
        await WriteMessageAsync(context.Response, 404, $"Unknown admin resource {path}. See {Collection}.").ConfigureAwait(false);
    }

    private async Task AddAsync(HttpContext context)
    {
        FaultSpec spec;
        try
        {
            var body = await ReadBodyAsync(context.Request).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(body);
            spec = FaultSpec.Parse(doc.RootElement);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidDataException)
        {
            await WriteMessageAsync(context.Response, 400, e.Message).ConfigureAwait(false);
            return;
        }
        var rule = faults.Add(spec);
        LogAdded(logger, rule.Id, spec.Stream ?? "*");
        context.Response.Headers.Location = $"{Collection}/{Uri.EscapeDataString(rule.Id)}";
        await WriteJsonAsync(context.Response, 201, rule.WriteTo, wrap: false).ConfigureAwait(false);
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxBodyBytes) throw new InvalidDataException("The body is too large.");
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while ((n = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > MaxBodyBytes) throw new InvalidDataException("The body is too large.");
            buffer.Write(chunk, 0, n);
        }
        if (buffer.Length == 0) throw new InvalidDataException("The body must be a JSON object describing the rule.");
        return buffer.ToArray();
    }

    private Task WriteRulesAsync(HttpResponse response) => WriteJsonAsync(response, 200, w =>
    {
        w.WriteStartArray("rules");
        foreach (var rule in faults.Rules) rule.WriteTo(w);
        w.WriteEndArray();
    });

    private static Task MethodNotAllowedAsync(HttpResponse response, string allow)
    {
        response.Headers.Allow = allow;
        return WriteMessageAsync(response, 405, $"Allowed: {allow}.");
    }

    private static Task WriteMessageAsync(HttpResponse response, int status, string message) =>
        WriteJsonAsync(response, status, w => w.WriteString("message", message));

    /// <summary>Writes a JSON object: <paramref name="write"/> writes its members (<paramref name="wrap"/>) or the whole object.</summary>
    private static Task WriteJsonAsync(HttpResponse response, int status, Action<Utf8JsonWriter> write, bool wrap = true)
    {
        var output = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            if (wrap) w.WriteStartObject();
            write(w);
            if (wrap) w.WriteEndObject();
        }
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = output.WrittenCount;
        return response.Body.WriteAsync(output.WrittenMemory).AsTask();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Fault rule {Rule} added for stream {Stream}")]
    private static partial void LogAdded(ILogger logger, string rule, string stream);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fault rule {Rule} removed")]
    private static partial void LogRemoved(ILogger logger, string rule);

    [LoggerMessage(Level = LogLevel.Information, Message = "All {Count} fault rules removed")]
    private static partial void LogCleared(ILogger logger, int count);
}
