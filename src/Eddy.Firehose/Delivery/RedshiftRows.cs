using System.Text;
using System.Text.Json;

namespace Eddy.Firehose.Delivery;

/// <summary>
/// Reads the rows of one staged object as Redshift's COPY reads them, for <see cref="CopyOptions"/>: delimited text
/// (Redshift's default, <c>|</c>), CSV (quotes, delimiters and newlines inside quotes), or JSON objects with
/// <c>'auto'</c> key matching. A row is one value per field; null is SQL NULL. Pure functions; thread-safe.
/// </summary>
internal static class RedshiftRows
{
    /// <summary>The object's rows. For JSON, one field per column of <paramref name="columns"/> (the object's keys matched
    /// to the column names: exactly with <c>'auto'</c>, Redshift's columns being lowercase; ignoring case with
    /// <c>'auto ignorecase'</c>); for text and CSV, the fields in order. Throws <see cref="RedshiftLoadException"/>
    /// (<c>Redshift.DataLoadFailed</c>) for data that does not parse.</summary>
    public static IEnumerable<string?[]> Read(byte[] content, CopyOptions options, IReadOnlyList<RedshiftColumn> columns) => options.Format switch
    {
        CopyFormat.Json => Json(content, options, columns),
        CopyFormat.Csv => Skip(Csv(Decode(content), options), options.IgnoreHeader),
        _ => Skip(Text(Decode(content), options), options.IgnoreHeader),
    };

    /// <summary>Redshift's rules for empty and blank fields: NULL for <c>EMPTYASNULL</c> / <c>BLANKSASNULL</c>, and always
    /// for a column that is not of a character type; <c>TRIMBLANKS</c> trims trailing blanks.</summary>
    public static string? Apply(string? value, RedshiftColumn? column, CopyOptions options)
    {
        if (value is null)
        {
            return null;
        }
        var text = column?.IsText != false;
        if (options.TrimBlanks && text)
        {
            value = value.TrimEnd(' ');
        }
        if (value.Length == 0)
        {
            return options.EmptyAsNull || !text ? null : value;
        }
        return string.IsNullOrWhiteSpace(value) && (options.BlanksAsNull || !text) ? null : value;
    }

    private static string Decode(byte[] content)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(content);
        }
        catch (DecoderFallbackException e)
        {
            throw new RedshiftLoadException(RedshiftLoadException.DataLoadFailed, "The data is not valid UTF-8: " + e.Message);
        }
    }

    private static IEnumerable<string?[]> Skip(IEnumerable<string?[]> rows, int lines) => lines > 0 ? rows.Skip(lines) : rows;

    private static IEnumerable<string?[]> Json(byte[] content, CopyOptions options, IReadOnlyList<RedshiftColumn> columns)
    {
        var index = new Dictionary<string, int>(options.IgnoreCase ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        for (var c = 0; c < columns.Count; c++)
        {
            index.TryAdd(columns[c].Name, c);
        }
        var at = 0;
        while (true)
        {
            string?[]? row;
            try
            {
                row = NextObject(content, ref at, index, columns.Count);
            }
            catch (JsonException e)
            {
                throw new RedshiftLoadException(RedshiftLoadException.DataLoadFailed, "Invalid JSON: " + e.Message);
            }
            if (row is null)
            {
                yield break;
            }
            yield return row;
        }
    }

    private static string?[]? NextObject(byte[] content, ref int at, Dictionary<string, int> index, int count)
    {
        var reader = new Utf8JsonReader(content.AsSpan(at), new JsonReaderOptions { AllowMultipleValues = true });
        if (!reader.Read())
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new RedshiftLoadException(RedshiftLoadException.DataLoadFailed, $"Invalid JSON: a record is a {reader.TokenType}, not an object (JSON 'auto' loads objects).");
        }
        using var document = JsonDocument.ParseValue(ref reader);
        at += (int)reader.BytesConsumed;
        var row = new string?[count];
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (index.TryGetValue(property.Name, out var column))
            {
                var value = property.Value;
                row[column] = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Null or JsonValueKind.Undefined => null,
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    _ => value.GetRawText(),
                };
            }
        }
        return row;
    }

    /// <summary>Delimited text: one row per line, fields split at the delimiter; <c>ESCAPE</c> makes a backslash take the
    /// next character literally (a delimiter, a newline, a backslash); <c>REMOVEQUOTES</c> strips surrounding double
    /// quotes (delimiters inside them stay); a field equal to the <c>NULL AS</c> string (default <c>\N</c>) is NULL.</summary>
    private static IEnumerable<string?[]> Text(string text, CopyOptions options)
    {
        var i = 0;
        var fields = new List<string?>();
        var field = new StringBuilder();
        var raw = new StringBuilder();
        var quoted = false;
        while (i < text.Length)
        {
            var c = text[i++];
            if (options.Escape && c == '\\' && i < text.Length)
            {
                raw.Append(c).Append(text[i]);
                field.Append(text[i++]);
                continue;
            }
            if (options.RemoveQuotes && c == '"' && (quoted || raw.Length == 0))
            {
                quoted = !quoted;
                raw.Append(c);
                continue;
            }
            if (!quoted && c == options.Delimiter)
            {
                fields.Add(Field());
                continue;
            }
            if (!quoted && c == '\n')
            {
                fields.Add(Field());
                yield return [.. fields];
                fields.Clear();
                continue;
            }
            raw.Append(c);
            field.Append(c);
        }
        if (raw.Length > 0 || fields.Count > 0)
        {
            fields.Add(Field());
            yield return [.. fields];
        }

        string? Field()
        {
            var value = raw.ToString() == options.NullAs ? null : field.ToString();
            raw.Clear();
            field.Clear();
            quoted = false;
            return value;
        }
    }

    /// <summary>CSV: fields in the quote character may hold delimiters, newlines and doubled quotes; an unquoted field
    /// equal to the <c>NULL AS</c> string is NULL.</summary>
    private static IEnumerable<string?[]> Csv(string text, CopyOptions options)
    {
        var i = 0;
        var fields = new List<string?>();
        var field = new StringBuilder();
        var wasQuoted = false;
        while (i < text.Length)
        {
            var c = text[i++];
            if (c == options.Quote && field.Length == 0 && !wasQuoted)
            {
                wasQuoted = true;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw new RedshiftLoadException(RedshiftLoadException.DataLoadFailed, "Unterminated quoted field in CSV data.");
                    }
                    var q = text[i++];
                    if (q == options.Quote && i < text.Length && text[i] == options.Quote)
                    {
                        field.Append(q);
                        i++;
                    }
                    else if (q == options.Quote)
                    {
                        break;
                    }
                    else
                    {
                        field.Append(q);
                    }
                }
                continue;
            }
            if (c == options.Delimiter)
            {
                fields.Add(Field());
                continue;
            }
            if (c == '\n')
            {
                fields.Add(Field());
                yield return [.. fields];
                fields.Clear();
                continue;
            }
            if (c == '\r' && i < text.Length && text[i] == '\n')
            {
                continue;
            }
            field.Append(c);
        }
        if (field.Length > 0 || wasQuoted || fields.Count > 0)
        {
            fields.Add(Field());
            yield return [.. fields];
        }

        string? Field()
        {
            var value = field.ToString();
            var isNull = !wasQuoted && options.NullAs is { } nullAs && value == nullAs;
            field.Clear();
            wasQuoted = false;
            return isNull ? null : value;
        }
    }
}
