using System.Text.Json;
using Eddy.Protocol.Model;

namespace Eddy.Server;

/// <summary>
/// What every JSON service's handlers share of one call: the validated body, the answer's writer and the request's
/// cancellation. Each service derives its own call type (its engine, its accessors). Owned by one request; not
/// thread-safe.
/// </summary>
public abstract class JsonCall(JsonElement body, PooledBufferWriter output, CancellationToken cancellation)
{
    private Utf8JsonWriter? _writer;

    /// <summary>The request body (validated by the service's model).</summary>
    public JsonElement Body { get; } = body;

    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>The response writer; a call that never asks for it answers 200 with <c>{}</c>.</summary>
    public Utf8JsonWriter Json => _writer ??= new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });

    /// <summary>Ends the answer (<c>{}</c> when nothing was written) and flushes it into the output buffer.</summary>
    public void Flush()
    {
        if (_writer is null)
        {
            Json.WriteStartObject();
            Json.WriteEndObject();
        }
        _writer!.Flush();
    }

    /// <summary>A string member of the body (null when absent or null).</summary>
    public string? String(string name) => Member(Body, name)?.GetString();

    /// <summary>An integer member of the body (the validator has checked its range).</summary>
    public int? Int(string name) => Member(Body, name) is { } e ? JsonNumbers.ReadInt32(e) : null;

    public bool? Bool(string name) => Member(Body, name)?.GetBoolean();

    /// <summary>A member of an object; absent and JSON null read as null.</summary>
    public static JsonElement? Member(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var e) && e.ValueKind != JsonValueKind.Null ? e : null;
}
