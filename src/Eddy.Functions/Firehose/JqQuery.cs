using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Eddy.Functions.Firehose;

/// <summary>
/// The subset of jq 1.6 that <c>MetadataExtractionQuery</c> is written in: one object construction whose members are
/// partition keys, each value a path into the record, optionally piped through a function:
/// <c>{customer_id: .customer_id, device: .type.device, year: .event_timestamp | strftime("%Y")}</c>.
/// <list type="bullet">
/// <item>keys: identifiers or double-quoted strings (at most 50 keys);</item>
/// <item>paths: <c>.</c>, <c>.name</c>, <c>."quoted name"</c>, <c>.["name"]</c>, <c>[N]</c> (array index), chained;</item>
/// <item>functions after <c>|</c>: <c>tostring</c>, <c>ascii_downcase</c>, <c>ascii_upcase</c>, <c>strftime("FORMAT")</c>
/// (epoch seconds, UTC; <c>%Y %m %d %H %M %S %j %y %e %%</c>).</item>
/// </list>
/// Anything else is refused when the query is parsed, with <see cref="ProcessingConfigurationException"/>
/// (InvalidArgumentException) naming the position.
/// </summary>
/// <remarks>Immutable and thread-safe once parsed. Evaluation follows jq: a missing member is null; a key whose value is
/// null, an object or an array fails the record (AWS sends such records to the error output).</remarks>
public sealed class JqQuery
{
    private const int MaxKeys = 50;

    private readonly (string Key, Step[] Path, string[] Functions, string? Format)[] _members;

    private JqQuery((string, Step[], string[], string?)[] members) => _members = members;

    private readonly record struct Step(string? Name, int Index);

    /// <summary>Parses a query; throws <see cref="ProcessingConfigurationException"/> for anything outside the subset.</summary>
    public static JqQuery Parse(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var p = new Parser(query);
        return new JqQuery(p.Object());
    }

    /// <summary>The partition keys of a record, or the reason it has none (not JSON, a key missing or not a scalar).</summary>
    public (IReadOnlyDictionary<string, string>? Keys, string? Error) Evaluate(ReadOnlyMemory<byte> record)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(record);
        }
        catch (JsonException)
        {
            return (null, "The record is not valid JSON.");
        }
        using (doc)
        {
            var keys = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, path, functions, format) in _members)
            {
                JsonElement? value = doc.RootElement;
                foreach (var step in path)
                {
                    value = value is { } v ? Walk(v, step) : null;
                }
                if (value is not { } found || found.ValueKind is JsonValueKind.Null or JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Undefined)
                {
                    return (null, $"The partition key {key} evaluated to null or to an object or array.");
                }
                var text = found.ValueKind == JsonValueKind.String ? found.GetString()! : found.GetRawText();
                foreach (var function in functions)
                {
                    if (Apply(function, format, found, text) is not { } applied)
                    {
                        return (null, $"The partition key {key}: {function} cannot be applied to {found.GetRawText()}.");
                    }
                    text = applied;
                }
                keys[key] = text;
            }
            return (keys, null);
        }
    }

    private static JsonElement? Walk(JsonElement value, Step step)
    {
        if (step.Name is { } name)
        {
            return value.ValueKind == JsonValueKind.Object && value.TryGetProperty(name, out var member) ? member : null;
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        var index = step.Index < 0 ? value.GetArrayLength() + step.Index : step.Index;
        return index >= 0 && index < value.GetArrayLength() ? value[index] : null;
    }

    private static string? Apply(string function, string? format, JsonElement original, string text) => function switch
    {
        "tostring" => text,
        "ascii_downcase" => original.ValueKind == JsonValueKind.String ? AsciiCase(text, lower: true) : null,
        "ascii_upcase" => original.ValueKind == JsonValueKind.String ? AsciiCase(text, lower: false) : null,
        _ => original.ValueKind == JsonValueKind.Number && original.TryGetDouble(out var seconds) ? Strftime(format!, seconds) : null,
    };

    private static string AsciiCase(string text, bool lower)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = lower ? char.IsAsciiLetterUpper(chars[i]) ? (char)(chars[i] + 32) : chars[i]
                : char.IsAsciiLetterLower(chars[i]) ? (char)(chars[i] - 32) : chars[i];
        }
        return new string(chars);
    }

    private static string? Strftime(string format, double seconds)
    {
        if (double.IsNaN(seconds) || seconds < -62135596800 || seconds > 253402300799)
        {
            return null;
        }
        var t = DateTimeOffset.UnixEpoch.AddSeconds(Math.Floor(seconds)).UtcDateTime;
        var sb = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 == format.Length)
            {
                sb.Append(format[i]);
                continue;
            }
            var c = format[++i];
            sb.Append(c switch
            {
                'Y' => t.Year.ToString("D4", CultureInfo.InvariantCulture),
                'y' => (t.Year % 100).ToString("D2", CultureInfo.InvariantCulture),
                'm' => t.Month.ToString("D2", CultureInfo.InvariantCulture),
                'd' => t.Day.ToString("D2", CultureInfo.InvariantCulture),
                'e' => t.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2),
                'H' => t.Hour.ToString("D2", CultureInfo.InvariantCulture),
                'M' => t.Minute.ToString("D2", CultureInfo.InvariantCulture),
                'S' => t.Second.ToString("D2", CultureInfo.InvariantCulture),
                'j' => t.DayOfYear.ToString("D3", CultureInfo.InvariantCulture),
                _ => "%",
            });
        }
        return sb.ToString();
    }

    private sealed class Parser(string text)
    {
        private int _at;

        public (string, Step[], string[], string?)[] Object()
        {
            Expect('{');
            List<(string, Step[], string[], string?)> members = [];
            HashSet<string> seen = new(StringComparer.Ordinal);
            Space();
            if (Peek() == '}')
            {
                Fail("an object with at least one key");
            }
            while (true)
            {
                Space();
                var key = Peek() == '"' ? QuotedString() : Identifier();
                if (!seen.Add(key))
                {
                    throw new ProcessingConfigurationException($"MetadataExtractionQuery: the key {key} appears twice.");
                }
                Expect(':');
                var path = Path();
                List<string> functions = [];
                string? format = null;
                Space();
                while (Peek() == '|')
                {
                    _at++;
                    Space();
                    var name = Identifier();
                    if (name == "strftime")
                    {
                        Expect('(');
                        Space();
                        format = QuotedString();
                        Expect(')');
                    }
                    else if (name is not ("tostring" or "ascii_downcase" or "ascii_upcase"))
                    {
                        _at -= name.Length;
                        Fail("tostring, ascii_downcase, ascii_upcase or strftime(\"FORMAT\")");
                    }
                    functions.Add(name);
                    Space();
                }
                members.Add((key, path, [.. functions], format));
                if (members.Count > MaxKeys)
                {
                    throw new ProcessingConfigurationException($"MetadataExtractionQuery: at most {MaxKeys} partition keys.");
                }
                Space();
                if (Peek() == ',')
                {
                    _at++;
                    continue;
                }
                if (Peek() != '}')
                {
                    Fail("',' or '}'");
                }
                _at++;
                Space();
                if (_at != text.Length)
                {
                    Fail("the end of the query");
                }
                return [.. members];
            }
        }

        private Step[] Path()
        {
            Space();
            if (Peek() != '.')
            {
                Fail("a path starting with '.'");
            }
            List<Step> steps = [];
            var first = true;
            while (true)
            {
                var c = Peek();
                if (c == '.')
                {
                    _at++;
                    var next = Peek();
                    if (next == '"')
                    {
                        steps.Add(new Step(QuotedString(), 0));
                    }
                    else if (next == '[')
                    {
                        continue;
                    }
                    else if (next is { } n && (char.IsAsciiLetter(n) || n == '_'))
                    {
                        steps.Add(new Step(Identifier(), 0));
                    }
                    else if (!first)
                    {
                        Fail("a member name after '.'");
                    }
                }
                else if (c == '[')
                {
                    _at++;
                    Space();
                    if (Peek() == '"')
                    {
                        steps.Add(new Step(QuotedString(), 0));
                    }
                    else
                    {
                        steps.Add(new Step(null, Integer()));
                    }
                    Expect(']');
                }
                else
                {
                    return [.. steps];
                }
                first = false;
            }
        }

        private int Integer()
        {
            var start = _at;
            if (Peek() == '-')
            {
                _at++;
            }
            while (Peek() is { } c && char.IsAsciiDigit(c))
            {
                _at++;
            }
            if (!int.TryParse(text.AsSpan(start, _at - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                _at = start;
                Fail("an array index or a quoted member name");
            }
            return value;
        }

        private string Identifier()
        {
            var start = _at;
            while (Peek() is { } c && (char.IsAsciiLetterOrDigit(c) || c == '_') && !(start == _at && char.IsAsciiDigit(c)))
            {
                _at++;
            }
            if (start == _at)
            {
                Fail("a name");
            }
            return text[start.._at];
        }

        private string QuotedString()
        {
            var start = _at;
            if (Peek() != '"')
            {
                Fail("a double-quoted string");
            }
            _at++;
            while (_at < text.Length && text[_at] != '"')
            {
                _at += text[_at] == '\\' ? 2 : 1;
            }
            if (_at >= text.Length)
            {
                _at = start;
                Fail("a closed string");
            }
            _at++;
            try
            {
                return JsonSerializer.Deserialize<string>(text.AsSpan(start, _at - start))!;
            }
            catch (JsonException)
            {
                _at = start;
                Fail("a valid string");
                return "";
            }
        }

        private void Expect(char c)
        {
            Space();
            if (Peek() != c)
            {
                Fail($"'{c}'");
            }
            _at++;
        }

        private void Space()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at]))
            {
                _at++;
            }
        }

        private char? Peek() => _at < text.Length ? text[_at] : null;

        private void Fail(string expected) => throw new ProcessingConfigurationException(
            $"MetadataExtractionQuery: expected {expected} at position {_at + 1} of '{text}'. Eddy supports jq object constructions of paths " +
            "({key: .path.to.field, ...}) optionally piped to tostring, ascii_downcase, ascii_upcase or strftime(\"FORMAT\").");
    }
}
