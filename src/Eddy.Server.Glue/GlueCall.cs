using System.Text.Json;
using Eddy.Core.Glue;

namespace Eddy.Server.Glue;

/// <summary>
/// One Glue call as a handler sees it: the catalog, and what every JSON call has (<see cref="JsonCall"/>). Owned by one
/// request; not thread-safe.
/// </summary>
internal sealed class GlueCall(IGlueDataCatalog catalog, JsonElement body, PooledBufferWriter output, CancellationToken cancellation)
    : JsonCall(body, output, cancellation)
{
    public IGlueDataCatalog Catalog { get; } = catalog;

    public string? CatalogId => String("CatalogId");

    /// <summary>An object member's JSON text (required members: the validator has checked they are there).</summary>
    public string Raw(string name) => Member(Body, name)?.GetRawText() ?? "{}";

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
