using System.Text.Json;
using Eddy.Core.Glue;
using Eddy.Protocol.Model;

namespace Eddy.Server.Glue;

/// <summary>
/// One Glue call as a handler sees it: the catalog, the validated body, the response writer and the request's
/// cancellation. Owned by one request; not thread-safe.
/// </summary>
internal sealed class GlueCall(IGlueDataCatalog catalog, JsonElement body, PooledBufferWriter output, CancellationToken cancellation)
{
    private Utf8JsonWriter? _writer;

    public IGlueDataCatalog Catalog { get; } = catalog;

    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>The response writer; a call that never asks for it answers 200 with <c>{}</c>.</summary>
    public Utf8JsonWriter Json => _writer ??= new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });

    public void Flush()
    {
        if (_writer is null)
        {
            Json.WriteStartObject();
            Json.WriteEndObject();
        }
        _writer!.Flush();
    }

    public string? CatalogId => String("CatalogId");

    public string? String(string name) => Member(name)?.GetString();

    public int? Int(string name) => Member(name) is { } e ? JsonNumbers.ReadInt32(e) : null;

    public bool? Bool(string name) => Member(name)?.GetBoolean();

    /// <summary>An object member's JSON text (required members: the validator has checked they are there).</summary>
    public string Raw(string name) => Member(name)?.GetRawText() ?? "{}";

    private JsonElement? Member(string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var e) && e.ValueKind != JsonValueKind.Null ? e : null;

    /// <summary>Writes <c>{"&lt;name&gt;": item}</c>.</summary>
    public void Single(string name, string itemJson)
    {
        Json.WriteStartObject();
        Json.WritePropertyName(name);
        Json.WriteRawValue(itemJson, skipInputValidation: true);
        Json.WriteEndObject();
    }

    /// <summary>Writes <c>{"&lt;name&gt;": [items], "NextToken": ...}</c>.</summary>
    public void Page(string name, GluePage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        Json.WriteStartObject();
        Json.WriteStartArray(name);
        foreach (var item in page.ItemsJson)
        {
            Json.WriteRawValue(item, skipInputValidation: true);
        }
        Json.WriteEndArray();
        if (page.NextToken is { } token)
        {
            Json.WriteString("NextToken", token);
        }
        Json.WriteEndObject();
    }
}
