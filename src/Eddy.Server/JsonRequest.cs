using System.Text.Json;
using Eddy.Core;
using Eddy.Protocol.Model;
using Microsoft.AspNetCore.Http;

namespace Eddy.Server;

/// <summary>
/// One call of a <see cref="JsonService"/> operation as the shared endpoint hands it over: the operation, the body as
/// received and as JSON (CBOR transcoded), and the answer's buffer. <see cref="ReadAsync"/> is the usual path —
/// parse, then the request filters, then the model's constraints, in the order AWS checks them; a service with a fast
/// path of its own calls <see cref="FilterAsync"/> itself between its parse and its validation.
/// </summary>
/// <remarks>Owned by the endpoint for the length of one request; not thread-safe.</remarks>
public sealed class JsonRequest
{
    private readonly IReadOnlyList<IRequestFilter> _filters;

    internal JsonRequest(HttpContext http, JsonService service, Operation operation, ReadOnlyMemory<byte> rawBody,
        ReadOnlyMemory<byte> body, PooledBufferWriter output, bool cbor, IReadOnlyList<IRequestFilter> filters)
    {
        Http = http;
        Service = service;
        Operation = operation;
        RawBody = rawBody;
        Body = body;
        Output = output;
        Cbor = cbor;
        _filters = filters;
    }

    public HttpContext Http { get; }
    public JsonService Service { get; }

    /// <summary>The operation of the service's model named by the target.</summary>
    public Operation Operation { get; }

    /// <summary>The body bytes as they arrived (JSON or CBOR): what a signature covers.</summary>
    public ReadOnlyMemory<byte> RawBody { get; }

    /// <summary>The body as JSON (a CBOR body transcoded).</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The answer's JSON, transcoded to CBOR by the endpoint when the request came as CBOR.</summary>
    public PooledBufferWriter Output { get; }

    /// <summary>The request came as CBOR: the answer (and any event payloads) go back as CBOR.</summary>
    public bool Cbor { get; }

    /// <summary>Set by a service that wrote the response itself (an event stream); the endpoint then writes nothing.</summary>
    public bool Streamed { get; set; }

    /// <summary>Runs the request filters (authentication, authorization, faults, limits) in order.</summary>
    public ValueTask FilterAsync()
    {
        if (_filters.Count == 0) return ValueTask.CompletedTask;
        return RunAsync(new RequestInfo(Http, Service.SigningName, Operation.Name, RawBody, Body));

        async ValueTask RunAsync(RequestInfo info)
        {
            foreach (var filter in _filters) await filter.OnRequestAsync(info).ConfigureAwait(false);
        }
    }

    /// <summary>Parses the body, runs the filters, checks the model's constraints: the document of a request that may
    /// run (the caller disposes it). A body that does not parse is refused before the filters, one that breaks the
    /// model after them, as AWS checks.</summary>
    public async ValueTask<JsonDocument> ReadAsync()
    {
        var document = Parse(Body);
        try
        {
            await FilterAsync().ConfigureAwait(false);
            Validate(document.RootElement);
            return document;
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    /// <summary>Throws the model's SerializationException or ValidationException for a body that breaks it.</summary>
    public void Validate(JsonElement root)
    {
        if (RequestValidator.Validate(Operation, root) is { } error) throw new ServiceException(error.Type, error.Message);
    }

    /// <summary>The body as a JSON object whose strings are all text; anything else is AWS's bare SerializationException.</summary>
    public static JsonDocument Parse(ReadOnlyMemory<byte> body)
    {
        try
        {
            var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && JsonStrings.AllValid(body.Span)) return document;
            document.Dispose();
        }
        catch (JsonException)
        {
        }
        throw new ServiceException(JsonEndpoint.SerializationException, null);
    }
}
